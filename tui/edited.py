"""The message a form posts once it has changed the database.

Forms (record a change of control, add or edit an event, delete) commit a
change through the store (:mod:`store.edits`) and then post
:class:`Edited` to the app, which redraws every view from the store as it
now is and says what was done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the explorer's first frame loads none of the storage
    from store.history import ChangeRecord


class Edited(Message):
    """The database changed: ``change`` was written (durably) and applied."""

    def __init__(self, change: ChangeRecord, *, place: str | None = None) -> None:
        super().__init__()
        self.change = change
        self.place = place  # the place to show afterwards, if the form was opened on one
