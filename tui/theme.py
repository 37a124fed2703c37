"""Bloc colours as theme variables.

Every theme gets ``$bloc-government``, ``$bloc-opposition``, … ``$bloc-mixed``
(the Okabe-Ito colours on dark themes, darker variants on light ones; a
theme of one's own may set them in its ``variables``). TCSS can use them as
it uses ``$primary``; widgets that draw Rich text take them with
:func:`bloc_colours` at draw time, so a change of theme is a restyle that
reaches every pane by itself, with no calls to hand colours around.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from .format import DARK_PALETTE, palette

PREFIX = "bloc-"


def theme_variable_defaults(dark: bool) -> dict[str, str]:
    """The bloc variables for a dark or a light theme."""
    return {PREFIX + key: colour for key, colour in palette(dark).items()}


def bloc_colours(app: App[Any]) -> dict[str, str]:
    """Bloc key -> colour in the app's current theme (what ``format`` helpers take)."""
    variables = app.theme_variables
    return {key: variables.get(PREFIX + key, fallback) for key, fallback in DARK_PALETTE.items()}
