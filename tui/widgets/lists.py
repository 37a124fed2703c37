"""An OptionList that moves with the same keys, and the same binding ids, as every list."""

from __future__ import annotations

from textual.widgets import OptionList

from .rowlist import RowList


class KeyedOptionList(OptionList):
    """OptionList with ``j``/``k``/``g``/``G``: RowList's bindings, declared there once.

    The action names match OptionList's own (cursor_down, first, page_up,
    select, ...), so the very same Binding objects drive both kinds of list
    and a keymap entry such as ``list.down`` remaps them all.
    """

    BINDINGS = RowList.BINDINGS
