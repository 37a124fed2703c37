"""The pieces the editing forms are made of: a modal form, labelled rows with
a message line each, and the field editors (text, choice, fuzzy pick, a list
of picks, a tick box).

A form checks itself as it changes: each editor's own check first (a date
that cannot be read, a faction typed but not picked), then the store's, by
calling it with ``dry_run=True`` once per change (coalesced: a paste is one
check, not one per character). The store's :class:`~store.edits.EditError`
names the field at fault; its message goes beside that field. Saving commits
for real; when the store offers fixes (periods that would overlap, or leave
days with no record) they are offered as choices, and the change is made with
the fix picked. Nothing broken is ever saved: the store refuses it.

All text shown is ``Text`` (never markup): names, sources and whatever the
user types come from files or keyboards and are shown literally.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from store import Store
from store.dates import DateError, PartialDate, parse_partial
from store.edits import EditError, source_fields
from store.history import ChangeRecord
from store.matching import fold
from store.storage import StoreError
from store.text import shown

from ..edited import Edited


# --- editors -----------------------------------------------------------------------------------


class Changed(Message):
    """An editor's value changed (the form checks itself again)."""

    def __init__(self, editor: Widget) -> None:
        super().__init__()
        self.editor = editor


class TextEditor(Input):
    """One line of text. Enter moves on (or saves, on the last field)."""

    def __init__(self, value: str = "", *, placeholder: str = "", id: str | None = None, date: bool = False) -> None:
        super().__init__(value=value, placeholder=placeholder, id=id, compact=True, select_on_focus=True)
        self.is_date = date

    def problem(self, final: bool = False) -> str | None:
        """What is wrong with the text on its own (a date that cannot be read), or None."""
        if not self.is_date or not self.value.strip():
            return None
        try:
            parse_partial(self.value)
        except DateError as exc:
            if not final and _still_typing(self.value):
                return None
            return str(exc)
        return None

    def partial(self) -> PartialDate | None:
        try:
            return parse_partial(self.value) if self.value.strip() else None
        except DateError:
            return None


def _still_typing(value: str) -> bool:
    """A date half typed (2018-, 2018-0, 2018-04-): no red yet."""
    return bool(re.fullmatch(r"\d{1,3}|\d{4}-|\d{4}-0|\d{4}-\d{1,2}-|\d{4}-\d{1,2}-0", value.strip()))


class ChoiceEditor(Widget, can_focus=True):
    """One of a few values, all shown: left/right (or space) move, a letter jumps."""

    HELP_SECTION = ("Editing forms: a choice", 87)

    BINDINGS = [
        Binding("left", "step(-1)", "Previous", show=False, id="form.choice_previous"),
        Binding("right,space", "step(1)", "Next", show=False, id="form.choice_next"),
        Binding("enter", "advance", "Next field", show=False, id="form.choice_enter"),
    ]

    DEFAULT_CSS = """
    ChoiceEditor {
        height: 1;
        width: 1fr;
    }
    ChoiceEditor:focus {
        background: $boost;
    }
    """

    def __init__(self, choices: Sequence[str], value: str | None = None, *, id: str | None = None,
                 labels: dict[str, str] | None = None) -> None:
        super().__init__(id=id)
        self.choices = list(choices)
        self.labels = labels or {}
        self.index = self.choices.index(value) if value in self.choices else 0

    @property
    def value(self) -> str:
        return self.choices[self.index]

    @value.setter
    def value(self, value: str) -> None:
        if value in self.choices and self.choices.index(value) != self.index:
            self.index = self.choices.index(value)
            self.refresh()
            self.post_message(Changed(self))

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        names = [self.labels.get(c, c) for c in self.choices]
        width = sum(len(n) + 2 for n in names)
        if width <= max(self.size.width, 1):
            for index, name in enumerate(names):
                if index == self.index:
                    text.append(f"[{name}]", style="bold reverse" if self.has_focus else "bold")
                else:
                    text.append(f" {name} ", style="dim")
            return text
        # Too many to show at once: the chosen one, with where it is among them.
        text.append("◀ ", style="dim")
        text.append(names[self.index], style="bold reverse" if self.has_focus else "bold")
        text.append(f" ▶  {self.index + 1}/{len(names)}", style="dim")
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_step(self, by: int) -> None:
        self.index = (self.index + by) % len(self.choices)
        self.refresh()
        self.post_message(Changed(self))

    def action_advance(self) -> None:
        form = self.screen
        if isinstance(form, FormScreen):
            form.advance(self)

    def on_key(self, event: events.Key) -> None:
        # Type to choose: a letter jumps to the next choice starting with it.
        char = event.character
        if char and len(char) == 1 and char.isalnum() and char != " ":
            count = len(self.choices)
            for step in range(1, count + 1):
                index = (self.index + step) % count
                if self.labels.get(self.choices[index], self.choices[index]).casefold().startswith(char.casefold()):
                    event.stop()
                    event.prevent_default()
                    self.index = index
                    self.refresh()
                    self.post_message(Changed(self))
                    return

    def problem(self, final: bool = False) -> str | None:
        return None


class CheckEditor(Checkbox):
    """A yes/no (space or Enter toggles)."""

    def __init__(self, label: str, value: bool = False, *, id: str | None = None) -> None:
        super().__init__(Text(label), value, id=id, compact=True)

    def problem(self, final: bool = False) -> str | None:
        return None


Candidate = tuple[Text, Any, str]  # label in the list, value, text put in the field when picked


class _Dropdown(OptionList, can_focus=False):
    """The candidates under a fuzzy field; the field keeps the focus."""

    DEFAULT_CSS = """
    _Dropdown, _Dropdown:focus {
        height: auto;
        max-height: 6;
        border: none;
        padding: 0;
        display: none;
        background: $panel;
    }
    _Dropdown.-open {
        display: block;
    }
    """


class FuzzyEditor(Vertical):
    """Type to filter candidates; up/down choose, Enter (or Tab) picks.

    ``candidates(query)`` gives the candidates, best first. With ``free``
    set, text that matches nothing is kept as typed (a new source).
    """

    HELP_SECTION = ("Editing forms: picking from a list", 88)

    BINDINGS = [
        Binding("down", "move(1)", "Next match", show=False, id="form.pick_next"),
        Binding("up", "move(-1)", "Previous match", show=False, id="form.pick_previous"),
    ]

    DEFAULT_CSS = """
    FuzzyEditor {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(
        self,
        candidates: Callable[[str], list[Candidate]],
        *,
        value: Any = None,
        text: str = "",
        placeholder: str = "",
        free: bool = False,
        what: str = "match",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.candidates = candidates
        self.picked: Any = value
        self.picked_text = text if value is not None else None
        self.free = free
        self.what = what
        self._initial = text
        self._placeholder = placeholder
        self._shown: list[Candidate] = []
        self.on_enter: Callable[[], None] | None = None  # set by a list of picks: Enter adds

    def compose(self) -> ComposeResult:
        yield Input(value=self._initial, placeholder=self._placeholder, compact=True, select_on_focus=True)
        yield _Dropdown()

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def text(self) -> str:
        return self.input.value

    @property
    def value(self) -> Any:
        """The picked value; with ``free``, the text when nothing was picked."""
        if self.picked is not None:
            return self.picked
        return self.text.strip() or None if self.free else None

    def set(self, value: Any, text: str) -> None:
        self.picked, self.picked_text = value, text
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self._close()
        self.post_message(Changed(self))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.picked is not None and event.value != self.picked_text:
            self.picked = self.picked_text = None
        self._refill(event.value)
        self.post_message(Changed(self))

    def _refill(self, query: str) -> None:
        dropdown = self.query_one(_Dropdown)
        self._shown = self.candidates(query)[:50] if query.strip() and self.picked is None else []
        dropdown.clear_options()
        if all(value is None for _, value, _ in self._shown):
            self._shown = []  # only the text as typed (a new source): the row's note says how it reads
        if self._shown and self.input.has_focus:
            width = max(10, self.size.width - 2)
            labels = [label.copy() for label, _, _ in self._shown]
            for label in labels:
                label.truncate(width, overflow="ellipsis")
            dropdown.add_options([Option(label, id=str(n)) for n, label in enumerate(labels)])
            dropdown.highlighted = 0
            if not dropdown.has_class("-open"):
                dropdown.add_class("-open")
                # Near the bottom of the form, the fields scroll so the matches show.
                self.call_after_refresh(self.scroll_visible, animate=False)
        else:
            dropdown.remove_class("-open")

    def _close(self) -> None:
        self._shown = []
        dropdown = self.query_one(_Dropdown)
        dropdown.clear_options()
        dropdown.remove_class("-open")

    def action_move(self, by: int) -> None:
        dropdown = self.query_one(_Dropdown)
        if not self._shown:
            self._refill(self.text)
            return
        current = dropdown.highlighted or 0
        dropdown.highlighted = max(0, min(len(self._shown) - 1, current + by))

    def pick_highlighted(self) -> bool:
        """Pick the highlighted candidate, if the list is open. True if one was."""
        if not self._shown:
            return False
        _, value, text = self._shown[self.query_one(_Dropdown).highlighted or 0]
        self.set(value, text)
        return True

    def settle(self) -> None:
        """On leaving the field: the only candidate, or an exact one, is taken."""
        if self.picked is not None or not self.text.strip():
            self._close()
            return
        found = self.candidates(self.text)
        exact = [c for c in found if fold(c[2]) == fold(self.text) and c[1] is not None]
        if len(exact) == 1 or (len(found) == 1 and not self.free and found[0][1] is not None):
            _, value, text = (exact or found)[0]
            self.set(value, text)
        else:
            self._close()

    def highlighted(self) -> Candidate | None:
        return self._shown[self.query_one(_Dropdown).highlighted or 0] if self._shown else None

    def clear(self) -> None:
        self.picked = self.picked_text = None
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self._close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.on_enter is not None:
            self.on_enter()
            return
        if not self.pick_highlighted():
            self.settle()
        form = self.screen
        if isinstance(form, FormScreen):
            form.advance(self)

    def on_descendant_blur(self) -> None:
        self.settle()

    def pending(self) -> bool:
        """Still choosing: text typed, the list open, nothing picked yet."""
        return self.picked is None and bool(self._shown) and self.input.has_focus

    def problem(self, final: bool = False) -> str | None:
        if self.picked is not None or not self.text.strip() or self.free:
            return None
        if not final and self.input.has_focus and self._shown:
            return None  # still choosing
        if self.candidates(self.text):
            return f"pick the {self.what} from the list (↑ ↓ then Enter)"
        return f"no {self.what} matches '{shown(self.text, 40)}'"


class PickListEditor(Vertical):
    """Several picks: what is picked shows above a fuzzy field; Enter adds the
    highlighted candidate, Backspace in the empty field takes the last one off."""

    DEFAULT_CSS = """
    PickListEditor {
        height: auto;
        width: 1fr;
    }
    PickListEditor > .picked {
        height: auto;
    }
    """

    def __init__(
        self,
        candidates: Callable[[str], list[Candidate]],
        *,
        picked: Iterable[tuple[Any, str]] = (),
        placeholder: str = "",
        free: bool = False,
        what: str = "match",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.items: list[tuple[Any, str]] = list(picked)
        self.fuzzy = FuzzyEditor(candidates, placeholder=placeholder, free=free, what=what)
        self.free = free

    def compose(self) -> ComposeResult:
        yield Static(self._chips(), classes="picked")
        yield self.fuzzy

    @property
    def value(self) -> list[Any]:
        return [value for value, _ in self.items]

    def _chips(self) -> Text:
        if not self.items:
            return Text("none yet", style="dim italic")
        text = Text()
        for n, (_, label) in enumerate(self.items):
            if n:
                text.append(" · ", style="dim")
            text.append(label)
        return text

    def add(self, value: Any, label: str) -> None:
        if any(v == value for v, _ in self.items):
            return
        self.items.append((value, label))
        self.query_one(".picked", Static).update(self._chips())
        self.post_message(Changed(self))

    def remove_last(self) -> None:
        if self.items:
            self.items.pop()
            self.query_one(".picked", Static).update(self._chips())
            self.post_message(Changed(self))

    @on(Changed)
    def _fuzzy_changed(self, event: Changed) -> None:
        if event.editor is not self.fuzzy:
            return
        event.stop()
        if self.fuzzy.picked is not None:
            value, label = self.fuzzy.picked, self.fuzzy.picked_text or ""
            self.fuzzy.picked = self.fuzzy.picked_text = None
            with self.fuzzy.input.prevent(Input.Changed):
                self.fuzzy.input.value = ""
            self.add(value, label)
        else:
            self.post_message(Changed(self))

    def on_mount(self) -> None:
        self.fuzzy.on_enter = self.enter

    def enter(self) -> None:
        """Enter adds the highlighted candidate (or, if free, the text); in the empty field it moves on."""
        fuzzy = self.fuzzy
        text = " ".join(fuzzy.text.split())
        if not text:
            form = self.screen
            if isinstance(form, FormScreen):
                form.advance(self)
            return
        candidate = fuzzy.highlighted()
        if candidate is not None and candidate[1] is not None:
            fuzzy.clear()
            self.add(candidate[1], candidate[2])
        elif self.free:
            fuzzy.clear()
            self.add(text, text)
        else:
            self.app.bell()

    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace" and not self.fuzzy.text and self.items:
            event.stop()
            event.prevent_default()
            self.remove_last()

    def problem(self, final: bool = False) -> str | None:
        if self.fuzzy.text.strip() and (final or not self.fuzzy.input.has_focus):
            return f"'{shown(self.fuzzy.text, 30)}' is typed but not added: Enter adds it"
        return None


Editor = TextEditor | ChoiceEditor | CheckEditor | FuzzyEditor | PickListEditor


# --- rows and the form ---------------------------------------------------------------------------


class Row(Vertical):
    """A label, one or more editors on a line, and the row's message line under them.

    ``keys`` are the store's names for what this row edits (``date``,
    ``figures.1.low`` ...): an error the store raises for one of them shows here.
    """

    DEFAULT_CSS = """
    Row {
        height: auto;
    }
    Row > Horizontal {
        height: auto;
    }
    Row > Horizontal > .label {
        width: 14;
        color: $text-muted;
    }
    Row:focus-within > Horizontal > .label {
        color: $text;
        text-style: bold;
    }
    Row > Horizontal > Input, Row > Horizontal > FuzzyEditor, Row > Horizontal > PickListEditor {
        width: 1fr;
    }
    Row .message {
        margin-left: 14;
        height: auto;
        color: $text-muted;
        display: none;
    }
    Row .message.-shown {
        display: block;
    }
    Row .message.-error {
        color: $error;
    }
    """

    def __init__(self, label: str, *editors: Widget, keys: Sequence[str] = (), hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.editors = list(editors)
        self.keys = tuple(keys)
        self.hint = hint
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(Text(self.label), classes="label")
            yield from self.editors
        yield Static(classes="message")

    def on_mount(self) -> None:
        self.show(None)

    def show(self, error: str | None, note: str | None = None) -> None:
        """The error (red), else the note, else the hint (both dim); plain text always."""
        self.error = error
        message = self.query_one(".message", Static)
        text = error or note or self.hint
        message.set_class(bool(error), "-error")
        message.set_class(bool(text), "-shown")
        message.update(Text(text or ""))

    def blank(self) -> bool:
        """Nothing typed or picked in any of the row's fields."""
        for editor in self.editors:
            if isinstance(editor, FuzzyEditor) and editor.text.strip():
                return False
            if isinstance(editor, Input) and editor.value.strip():
                return False
            if isinstance(editor, PickListEditor) and (editor.items or editor.fuzzy.text.strip()):
                return False
        return True

    @property
    def message(self) -> str:
        return str(self.query_one(".message", Static).render()) if self.query_one(".message", Static).has_class("-shown") else ""


class FormScreen(ModalScreen[ChangeRecord | None]):
    """A form over the explorer. Subclasses yield rows (:meth:`rows`) and say
    how to make the change (:meth:`attempt`); this class checks, saves,
    offers fixes and tells the app (:class:`~tui.edited.Edited`)."""

    HELP_SECTION = ("Editing forms", 86)

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", tooltip="Save the change (asks how, if it needs a fix)"),
        Binding("escape", "cancel", "Cancel", id="form.cancel", tooltip="Close the form; nothing is written"),
    ]

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen > Vertical {
        width: 96%;
        max-width: 100;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    FormScreen #form-title {
        text-style: bold;
    }
    FormScreen #form-body {
        height: auto;
        scrollbar-size-vertical: 1;
    }
    FormScreen #form-message {
        height: auto;
        color: $text-muted;
    }
    FormScreen #form-message.-error {
        color: $error;
    }
    FormScreen #form-buttons {
        height: 1;
        margin-top: 0;
    }
    FormScreen #form-buttons Button {
        margin-right: 2;
        min-width: 10;
    }
    FormScreen #form-keys {
        color: $text-muted;
        width: 1fr;
        text-align: right;
    }
    """

    title_text = "Form"

    def __init__(self, store: Store, *, place: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.place = place
        self._check_pending = False
        self._tried = False  # a save was tried: empty required fields are errors from now on

    # --- to be given by each form ---

    def rows(self) -> ComposeResult:
        raise NotImplementedError

    def attempt(self, *, dry_run: bool, fix: str | None = None) -> ChangeRecord:
        raise NotImplementedError

    # --- layout ---

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="form-title")
            with VerticalScroll(id="form-body"):
                yield from self.rows()
            yield Static(id="form-message")
            with Horizontal(id="form-buttons"):
                yield Button(Text("Save"), variant="primary", id="form-save", compact=True)
                yield Button(Text("Cancel"), id="form-cancel", compact=True)
                yield Static(Text("Tab next · ctrl+s saves · Esc cancels"), id="form-keys")

    def on_mount(self) -> None:
        self._fit(self.size.height)
        self.focus_first()
        self.schedule_check()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        # The fields scroll; the title, the message and the buttons stay in view.
        self.query_one("#form-body").styles.max_height = max(4, height - 7)

    def focus_first(self) -> None:
        for row in self.query(Row):
            for editor in row.editors:
                target = self._focus_target(editor)
                if target is not None:
                    target.focus()
                    return

    @staticmethod
    def _focus_target(editor: Widget) -> Widget | None:
        if isinstance(editor, FuzzyEditor):
            return editor.input
        if isinstance(editor, PickListEditor):
            return editor.fuzzy.input
        return editor if editor.focusable else None

    def advance(self, editor: Widget) -> None:
        """Enter in a field: on to the next one; on the last, save."""
        chain = [w for w in self.focus_chain if not isinstance(w, Button)]
        current = self.focused
        if current is not None and chain and current is chain[-1]:
            self.action_save()
        else:
            self.focus_next()

    def _editors(self) -> list[tuple[Row, Widget]]:
        return [(row, editor) for row in self.query(Row) for editor in row.editors]

    # --- checking ---

    @on(Changed)
    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _something_changed(self, event: Message) -> None:
        self.schedule_check()

    def on_descendant_blur(self) -> None:
        self.schedule_check()

    @on(Input.Submitted)
    def _enter_in_text(self, event: Input.Submitted) -> None:
        if isinstance(event.input, TextEditor):
            event.stop()
            self.advance(event.input)

    def schedule_check(self) -> None:
        """Check once after the changes now queued (a paste is one check)."""
        if not self._check_pending:
            self._check_pending = True
            self.call_later(self._run_check)

    def _run_check(self) -> None:
        self._check_pending = False
        if self.is_attached:
            self.check()

    def local_problems(self, final: bool = False) -> dict[Row, str]:
        found: dict[Row, str] = {}
        for row, editor in self._editors():
            problem = getattr(editor, "problem", lambda final=False: None)(final)
            if problem and row not in found:
                found[row] = problem
        return found

    def notes(self) -> dict[Row, str]:
        """Dim notes for rows, from the values as typed (how a source will be read ...)."""
        return {}

    def check(self, final: bool = False) -> bool:
        """Show what is wrong beside each field; True if the change could be saved as it is."""
        problems = self.local_problems(final)
        store_error: EditError | None = None
        change: ChangeRecord | None = None
        if not problems:
            try:
                change = self.attempt(dry_run=True)
            except EditError as exc:
                store_error = exc
            except StoreError as exc:
                store_error = EditError(str(exc))
        general: str | None = None
        if store_error is not None and store_error.field is None and str(store_error) == "nothing would change":
            store_error, unchanged = None, True
        else:
            unchanged = False
        if store_error is not None:
            row = self.row_for(store_error.field)
            if row is None:
                general = str(store_error)
            else:
                problems[row] = str(store_error)
        if not final and not self._tried:
            # A field still empty is not an error until a save is tried.
            waiting = [row for row in problems if row.blank()]
            for row in waiting:
                del problems[row]
            waiting += [row for row in self.query(Row) if any(getattr(e, "pending", lambda: False)() for e in row.editors)]
            if store_error is not None and self.row_for(store_error.field) in waiting:
                store_error = None
        notes = self.notes()
        for row in self.query(Row):
            row.show(problems.get(row), notes.get(row))
        message = self.query_one("#form-message", Static)
        if general is not None or (store_error is not None and store_error.fixes):
            text = general or "Saving will offer: " + "; ".join(f.label for f in store_error.fixes)  # type: ignore[union-attr]
            message.set_class(general is not None and not (store_error and store_error.fixes), "-error")
            message.update(Text(text))
        elif problems:
            message.set_class(False, "-error")
            count = len(problems)
            message.update(Text(f"{count} field{'s' if count != 1 else ''} to correct before saving"))
        elif store_error is None and change is None:
            message.set_class(False, "-error")
            message.update(Text("Nothing changed yet" if unchanged else "Fill in the fields, then ctrl+s saves"))
        elif change is not None:
            message.set_class(False, "-error")
            message.update(Text(f"Will record: {shown(change.summary, 300)}"))
        return not problems and store_error is None

    def row_for(self, field: str | None) -> Row | None:
        """The row showing the store's ``field`` (``figures.2.source.url`` falls back to ``figures.2.source``...)."""
        if not field:
            return None
        rows = list(self.query(Row))
        parts = field.split(".")
        while parts:
            key = ".".join(parts)
            for row in rows:
                if key in row.keys:
                    return row
            parts.pop()
        return None

    # --- saving ---

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_save(self) -> None:
        for _, editor in self._editors():
            if isinstance(editor, FuzzyEditor):
                editor.settle()
            elif isinstance(editor, PickListEditor):
                editor.fuzzy.settle()
        self._tried = True
        problems = self.local_problems(final=True)
        if problems:
            self.check(final=True)
            self._focus_row(next(iter(problems)))
            self.app.bell()
            return
        # The store checks it again as it writes: a refusal shows beside its
        # field, and fixes it can make are offered.
        self._commit(None)

    def _commit(self, fix: str | None) -> None:
        try:
            change = self.attempt(dry_run=False, fix=fix)
        except EditError as exc:
            if exc.fixes and fix is None:
                self._offer_fixes(exc)
                return
            self._show_failure(exc)
            return
        except StoreError as exc:  # the disk is full, the file cannot be written: nothing was recorded
            self._show_failure(exc)
            return
        self.app.post_message(Edited(change, place=self.place))
        self.dismiss(change)

    def _show_failure(self, exc: StoreError) -> None:
        row = self.row_for(getattr(exc, "field", None))
        if row is not None:
            row.show(str(exc))
            self._focus_row(row)
        message = self.query_one("#form-message", Static)
        message.add_class("-error")
        message.update(Text(f"Not saved: {shown(exc, 300)}"))
        self.app.bell()

    def _offer_fixes(self, error: EditError) -> None:
        from .choose import ChoiceScreen

        choices: list[tuple[Content | Text | str, str | None]] = [(Text(fix.label), fix.code) for fix in error.fixes]
        choices.append((Text("Back to the form (nothing is saved)"), None))
        row = self.row_for(error.field)
        if row is not None:
            row.show(str(error))

        def chosen(code: str | None) -> None:
            if code is not None:
                self._commit(code)

        self.app.push_screen(
            ChoiceScreen[str | None](f"{sentence(error)}. Save it how?", choices, hint="Enter picks · Esc goes back to the form"),
            chosen,
        )

    def _focus_row(self, row: Row) -> None:
        for editor in row.editors:
            target = self._focus_target(editor)
            if target is not None:
                target.focus()
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- candidates --------------------------------------------------------------------------------


def _rank(query: str, labels: Iterable[str], others: Iterable[str] = ()) -> int | None:
    """How well ``query`` matches: 0 exact, then prefix, then within (each a name
    in ``labels`` before one in ``others``); None if it matches none of them."""
    key = fold(query)
    if not key:
        return None
    best: int | None = None
    for weight, group in ((0, labels), (1, others)):
        for label in group:
            if not label:
                continue
            folded = fold(label)
            rank = 0 if folded == key else 1 if folded.startswith(key) else 2 if key in folded else None
            if rank is not None and (best is None or rank * 2 + weight < best):
                best = rank * 2 + weight
    return best


def faction_candidates(store: Store) -> Callable[[str], list[Candidate]]:
    """Factions by name, short name, other names and Arabic name."""

    def find(query: str) -> list[Candidate]:
        ranked = []
        for n, faction in enumerate(store.factions.values()):
            rank = _rank(query, (faction.name, faction.short, faction.id), (*faction.alt_names, faction.name_ar or ""))
            if rank is not None:
                ranked.append((rank, n, faction))
        ranked.sort(key=lambda t: (t[0], t[1]))
        out: list[Candidate] = []
        for _, _, faction in ranked:
            label = Text(faction.name, style="bold", no_wrap=True, overflow="ellipsis")
            label.append(f"  {faction.short}", style="dim")
            if faction.name_ar:
                label.append(f"  {faction.name_ar}")
            label.append(f"  ({faction.bloc})", style="dim")
            out.append((label, faction.id, faction.name))
        return out

    return find


def word_candidates(words: Sequence[str]) -> Callable[[str], list[Candidate]]:
    def find(query: str) -> list[Candidate]:
        key = query.strip().casefold()
        ranked = sorted((0 if w.startswith(key) else 1, n, w) for n, w in enumerate(words) if key in w)
        return [(Text(w), w, w) for _, _, w in ranked]

    return find


def place_candidates(store: Store) -> Callable[[str], list[Candidate]]:
    def find(query: str) -> list[Candidate]:
        out: list[Candidate] = []
        for match in store.search(query, limit=20):
            region = match.region
            label = Text(region.name, style="bold", no_wrap=True, overflow="ellipsis")
            label.append(f"  {region.level}", style="dim")
            path = " > ".join(r.name for r in store.ancestors(region.id)[1:-1])
            if path:
                label.append(f" in {path}", style="dim")
            out.append((label, region.id, region.name))
        return out

    return find


class SourceIndex:
    """The store's sources, their words folded once, for picking one as you type:
    each word typed must begin a word of the source (publication, title,
    address, date or id)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._words: list[tuple[tuple[str, ...], str]] | None = None

    def find(self, query: str, limit: int = 20) -> list[str]:
        def words(text: str) -> list[str]:
            return [w for w in (fold(part) for part in re.split(r"[\s,/:.?=&_()-]+", text)) if w]

        if self._words is None:
            self._words = [
                (tuple(words(" ".join(filter(None, (s.id, s.publication, s.title, s.url or "", s.date or ""))))), s.id)
                for s in self.store.sources.values()
            ]
        typed = words(query)
        if not typed:
            return []
        exact = [query.strip()] if query.strip() in self.store.sources else []
        found = [
            sid for own, sid in self._words
            if sid not in exact and all(any(w.startswith(t) for w in own) for t in typed)
        ]
        return (exact + found)[:limit]


def source_label(store: Store, source_id: str) -> str:
    """A source in a line of picks: its publication and date (the id if it is gone)."""
    source = store.sources.get(source_id)
    if source is None:
        return source_id
    return f"{source.publication}, {source.date}" if source.date else source.publication


def sentence(message: object) -> str:
    """A store message as a sentence: a capital first, cleaned for the screen."""
    text = shown(message, 300)
    return text[:1].upper() + text[1:]


def source_candidates(store: Store, index: SourceIndex, *, free: bool = True) -> Callable[[str], list[Candidate]]:
    """Free text as a new source first (when ``free``), then existing sources that match."""

    def find(query: str) -> list[Candidate]:
        out: list[Candidate] = []
        text = " ".join(query.split())
        if free and text and text not in store.sources:
            label = Text("New source: ", style="italic", no_wrap=True, overflow="ellipsis")
            label.append(describe_new_source(text))
            out.append((label, None, text))
        for sid in index.find(query):
            source = store.sources[sid]
            label = Text(source.citation, no_wrap=True, overflow="ellipsis")
            label.append(f"  [{sid}]", style="dim")
            out.append((label, sid, source_label(store, sid)))
        return out

    return find


def describe_new_source(text: str) -> str:
    """How free text will be read as a source: publication, title, address."""
    try:
        fields = source_fields(text)
    except EditError as exc:
        return str(exc)
    parts = [f"publication “{shown(fields['publication'], 80)}”", f"title “{shown(fields['title'], 120)}”"]
    if fields.get("url"):
        parts.append(f"address {shown(fields['url'], 120)}")
    return ", ".join(parts)


__all__ = [
    "CheckEditor",
    "ChoiceEditor",
    "FormScreen",
    "FuzzyEditor",
    "PickListEditor",
    "Row",
    "SourceIndex",
    "TextEditor",
    "faction_candidates",
    "place_candidates",
    "source_candidates",
    "word_candidates",
]

