"""What the editing keys do in the explorer: record a change of control (r),
add an event (A), edit (i) or delete (D) the highlighted period or event.

The forms live in :mod:`tui.screens.edit_forms`; this module finds what is
highlighted, refuses on a read-only database (saying why), and for a delete
asks first, offering the store's fixes when the delete would leave days with
no record. Every commit is followed by :class:`~tui.edited.Edited` posted to
the app, which redraws the views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.content import Content

from store.text import shown

if TYPE_CHECKING:
    from store.model import Event, Period

    from .app import FrontlinesApp


def sentence(message: object) -> str:
    from .screens.form import sentence as as_sentence

    return as_sentence(message)


def writable(app: FrontlinesApp) -> bool:
    """True if the database can be changed; else say why (and open nothing)."""
    return not app.refuse_if_read_only()


def _place(app: FrontlinesApp) -> str | None:
    place = app.focus_region
    if place is None or place not in app.store.regions:
        app.notify("No place is highlighted.", markup=False)
        app.bell()
        return None
    return place


def record_control(app: FrontlinesApp, place: str | None = None) -> None:
    from .screens.edit_forms import ControlForm

    if not writable(app):
        return
    place = place or _place(app)
    if place is not None:
        app.push_screen(ControlForm(app.store, place, app.as_of))


def add_event(app: FrontlinesApp, place: str | None = None) -> None:
    from .screens.edit_forms import EventForm

    if not writable(app):
        return
    place = place or _place(app)
    if place is not None:
        app.push_screen(EventForm(app.store, place=place, day=app.as_of))


def in_events_pane(app: FrontlinesApp) -> bool:
    """Whether the events pane shows and has the focus (the keys then act on its event)."""
    from .widgets.events import EventsPane

    if app.pane != "events" or len(app.screen_stack) > 1:
        return False
    panes = app.main_screen.query(EventsPane)
    focused = app.main_screen.focused
    return bool(panes) and focused is not None and panes.first() in focused.ancestors_with_self


def highlighted_event(app: FrontlinesApp) -> Event | None:
    """The event highlighted in the events pane, when that pane has the focus."""
    from .widgets.events import EventsPane

    return app.main_screen.query_one(EventsPane).highlighted_event if in_events_pane(app) else None


def _no_event(app: FrontlinesApp) -> None:
    app.notify("No event is highlighted (the list is empty here).", markup=False)
    app.bell()


def highlighted_period(app: FrontlinesApp, place: str | None = None) -> tuple[str, Period | None] | None:
    """The highlighted place and its period covering the as-of date (None: no period of its own)."""
    place = place or _place(app)
    if place is None:
        return None
    return place, app.store.control(place, app.as_of).period


def _target(app: FrontlinesApp, place: str | None) -> tuple[str | None, Event | None, Period | None] | None:
    """What the edit and delete keys act on: the highlighted event (in the events
    pane), else the place's period on the as-of date; None, once said why, if nothing."""
    event = highlighted_event(app)
    if event is not None:
        return app.focus_region, event, None
    if in_events_pane(app):
        _no_event(app)
        return None
    found = highlighted_period(app, place)
    if found is None:
        return None
    place, period = found
    if period is None:
        _no_period(app, place)
        return None
    return place, None, period


def _no_period(app: FrontlinesApp, place: str) -> None:
    name = app.store.regions[place].name
    if app.store._periods.get(place) or not app.store.has_children(place):
        app.notify(f"No period of {name} covers {app.as_of.isoformat()}: r records who held it from a date.", markup=False)
    else:
        app.notify(f"{name} has no periods of its own (it shows what the places under it say): "
                   "edit one of them, or r to record a change on all of them.", markup=False)
    app.bell()


def _offer_record_instead(app: FrontlinesApp, place: str, why: str) -> None:
    from .screens.choose import ChoiceScreen

    def chosen(answer: bool | None) -> None:
        if answer:
            record_control(app, place)

    name = app.store.regions[place].name
    choices = [(Text(f"Record a change of control on {name} instead"), True), (Text("Cancel"), False)]
    app.push_screen(ChoiceScreen(f"{sentence(why)}.", choices, hint="Enter picks · Esc closes"), chosen)


def edit(app: FrontlinesApp, place: str | None = None) -> None:
    from store.edits import EditError

    from .screens.edit_forms import EventForm, PeriodForm

    if not writable(app):
        return
    target = _target(app, place)
    if target is None:
        return
    place, event, period = target
    if event is not None:
        app.push_screen(EventForm(app.store, place=place, event=event))
        return
    assert period is not None and place is not None
    if period.claim is not None:
        # A claim on the place itself is edited as its period; one on an area is refused.
        try:
            app.store.edit("periods", period.id, {}, dry_run=True)
        except EditError as exc:
            if exc.field == "period":
                _offer_record_instead(app, place, str(exc))
                return
    app.push_screen(PeriodForm(app.store, period))


def delete(app: FrontlinesApp, place: str | None = None) -> None:
    from store.edits import EditError
    from store.storage import StoreError

    from .edited import Edited
    from .screens.choose import ChoiceScreen

    if not writable(app):
        return
    store = app.store
    target = _target(app, place)
    if target is None:
        return
    place, event, period = target
    table: str
    record_id: str
    if event is not None:
        table, record_id = "events", event.id
        what = f"the event of {event.date}: {event.title}"
    else:
        assert period is not None and place is not None
        table, record_id = "periods", period.id
        faction = store.factions.get(period.faction)
        end = period.end.isoformat() if period.end else "ongoing"
        what = (f"the period of {store.regions[place].name} from {period.since_text} to {end} "
                f"({faction.name if faction else period.faction}, {period.status})")

    def commit(fix: str | None) -> None:
        try:
            change = store.delete(table, record_id, fix=fix)
        except StoreError as exc:
            app.notify(f"Not deleted: {shown(exc, 300)}", severity="error", timeout=8, markup=False)
            app.bell()
            return
        app.post_message(Edited(change, place=place))

    try:
        store.delete(table, record_id, dry_run=True)
    except EditError as exc:
        if not exc.fixes:
            if table == "periods" and exc.field == "period" and place is not None:
                _offer_record_instead(app, place, str(exc))
                return
            app.notify(f"Cannot delete it: {shown(exc, 300)}", severity="warning", timeout=8, markup=False)
            app.bell()
            return
        choices: list[tuple[Content | Text | str, str | None]] = [
            (Text(f"Delete it, and {fix.label}"), fix.code) for fix in exc.fixes
        ]
        choices.append((Text("Keep it (nothing is deleted)"), None))
        title = f"Delete {shown(what, 200)}? {sentence(exc)}."
        app.push_screen(ChoiceScreen[str | None](title, choices, hint="Enter picks · Esc keeps it"),
                        lambda code: commit(code) if code is not None else None)
        return
    except StoreError as exc:
        app.notify(f"Cannot delete it: {shown(exc, 300)}", severity="error", timeout=8, markup=False)
        return
    confirm: list[tuple[Text, bool]] = [(Text("Keep it"), False), (Text("Delete it"), True)]
    app.push_screen(
        ChoiceScreen(f"Delete {shown(what, 200)}?", confirm, hint="Enter picks · Esc keeps it"),
        lambda yes: commit(None) if yes else None,
    )
