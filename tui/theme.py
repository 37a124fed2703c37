"""Bloc colours and pane borders as theme variables.

Every theme gets ``$bloc-government``, ``$bloc-opposition``, … ``$bloc-mixed``
(the Okabe-Ito colours on dark themes, darker variants on light ones; a
theme of one's own may set them in its ``variables``). TCSS can use them as
it uses ``$primary``; widgets that draw Rich text take them with
:func:`bloc_colours` at draw time, so a change of theme is a restyle that
reaches every pane by itself, with no calls to hand colours around.

``$pane-border`` and ``$pane-border-focus`` are the borders of an unfocused
and the focused pane (see app.tcss): each is made for the theme so it has a
contrast of at least :data:`MIN_CONTRAST` against the theme's background and
surface (Textual's own ``$panel-lighten-2`` is 1.3:1 on textual-light, a
border one cannot see), the unfocused one a grey between background and
text, the focused one the theme's accent, darkened or lightened as needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from .format import DARK_PALETTE, palette

if TYPE_CHECKING:
    from textual.color import Color
    from textual.theme import Theme

PREFIX = "bloc-"
MIN_CONTRAST = 3.0  # WCAG's minimum for graphical objects such as a pane's edge


def theme_variable_defaults(dark: bool, theme: Theme | None = None) -> dict[str, str]:
    """The bloc variables for a dark or a light theme, and with ``theme`` its pane borders."""
    variables = {PREFIX + key: colour for key, colour in palette(dark).items()}
    if theme is not None:
        variables.update(pane_borders(theme))
    return variables


def bloc_colours(app: App[Any]) -> dict[str, str]:
    """Bloc key -> colour in the app's current theme (what ``format`` helpers take)."""
    variables = app.theme_variables
    return {key: variables.get(PREFIX + key, fallback) for key, fallback in DARK_PALETTE.items()}


def contrast(a: Color, b: Color) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(colour: Color) -> float:
        def channel(value: int) -> float:
            v = value / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(colour.r) + 0.7152 * channel(colour.g) + 0.0722 * channel(colour.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def pane_borders(theme: Theme) -> dict[str, str]:
    """``pane-border`` and ``pane-border-focus`` for ``theme`` (see the module's doc)."""
    from textual.color import Color, ColorParseError

    generated = theme.to_color_system().generate()
    try:
        grounds = [Color.parse(generated[name]) for name in ("background", "surface")]
        text = Color.parse(generated["foreground"])
        accent = Color.parse(generated["accent"])
    except (ColorParseError, KeyError):
        grounds = []
    if not grounds or any(colour.ansi is not None for colour in (*grounds, text)):
        # The terminal's own colours (ansi themes): nothing to measure.
        return {"pane-border": "ansi_bright_black", "pane-border-focus": generated.get("accent", "ansi_blue")}

    def readable(colour: Color) -> bool:
        return all(contrast(colour, ground) >= MIN_CONTRAST for ground in grounds)

    def towards_text(start: Color, first: float) -> Color:
        """``start`` blended towards the text colour just enough to be seen."""
        for step in range(0, 21):
            colour = start.blend(text, min(1.0, first + step * 0.05))
            if readable(colour):
                return colour
        return text

    border = towards_text(grounds[0], 0.3)
    focus = accent if readable(accent) else towards_text(accent, 0.05)
    return {"pane-border": border.hex, "pane-border-focus": focus.hex}
