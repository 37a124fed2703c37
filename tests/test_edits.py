"""Changing a database through the store: what each edit does to the
records, to every answer the views read, and to the file (store.edits)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store import Store
from store.edits import EditError, source_fields
from store.storage import ReadOnlyError, StoreError

BUNDLED = Path(__file__).resolve().parents[1] / "fixtures" / "damascus.json"
DUMAIR = "C2346"
PROVINCE = "FL-DAMASCUS-PROVINCE"
SOURCE = "Field report, Dumair checkpoint changes hands, https://example.org/dumair"


def D(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def db(editable_db: Path) -> Path:
    return editable_db


@pytest.fixture
def store(editable_store: Store) -> Store:
    return editable_store


def test_a_change_of_control_closes_the_period_and_opens_the_next(store: Store, db: Path) -> None:
    before = db.read_bytes()
    assert store.control(DUMAIR, D("2018-06-05")).faction.id == "saa"
    june_before = store.bloc_shares_over_time(PROVINCE, [D("2018-06-05")])[0]
    change = store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE, note="[red]x[/]")
    periods = store.history(DUMAIR)
    assert [(p.faction, p.start, p.end) for p in periods[-2:]] == [
        ("saa", D("2018-04-20"), D("2018-05-31")),
        ("isis", D("2018-06-01"), None),
    ]
    assert periods[-1].note == "[red]x[/]"  # stored as typed, never read as markup
    assert store.control(DUMAIR, D("2018-06-05")).faction.id == "isis"
    assert store.control(DUMAIR, D("2018-05-31")).faction.id == "saa"
    # Every answer above the place follows at once.
    shares = {s.key: s.count for s in store.breakdown(PROVINCE, D("2018-06-05")).by_faction}
    assert shares["isis"] == 1
    assert D("2018-06-01") in store.change_days(PROVINCE)
    assert any(c.region == DUMAIR and c.day == D("2018-06-01") for c in store.changes(PROVINCE))
    june = store.bloc_shares_over_time(PROVINCE, [D("2018-06-05")])[0]
    assert june["jihadist"] - june_before.get("jihadist", 0) == pytest.approx(1 / len(store.units(PROVINCE)))
    # The source is new, cited by the period, and the change is in the history.
    source = store.sources[periods[-1].sources[0]]
    assert (source.publication, source.title, source.url) == (
        "Field report", "Dumair checkpoint changes hands", "https://example.org/dumair"
    )
    assert [c.id for c in store.log()] == [change.id]
    assert change.author == "field officer" and change.device == "laptop1"
    assert store.validate() == []
    # Durable, not yet folded into the file: the file is as it was.
    assert db.read_bytes() == before
    assert store.pending_changes == 1


def test_changes_are_replayed_on_open_and_folded_in_by_a_compaction(db: Path) -> None:
    with Store.open(db, readonly=False) as store:
        store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
    with Store.open(db) as reader:  # a reader replays them too
        assert reader.control(DUMAIR, D("2018-06-05")).faction.id == "isis"
        assert reader.pending_changes == 1
    with Store.open(db, readonly=False) as store:
        assert store.compact() is True
        assert store.compact() is False  # nothing left to fold
    assert b'"isis"' in db.read_bytes() and b"p-C2346-3" in db.read_bytes()
    with Store.open(db) as reader:
        assert reader.pending_changes == 0
        assert reader.control(DUMAIR, D("2018-06-05")).faction.id == "isis"
        assert len(reader.log()) == 1  # the history stays: it is the audit trail


def test_undo_after_compaction_gives_back_the_same_file_byte_for_byte(db: Path) -> None:
    original = db.read_bytes()
    with Store.open(db, readonly=False) as store:
        store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
        store.add_event({"type": "takeover", "title": "A test", "date": "2018-06-01", "places": [DUMAIR],
                         "sources": [SOURCE]})
        store.compact()
    assert db.read_bytes() != original
    with Store.open(db, readonly=False) as store:  # a later session undoes both
        assert store.undo().kind == "undo"
        assert store.undo().summary.startswith("undid: Dumair")
        with pytest.raises(EditError, match="nothing to undo"):
            store.undo()
        store.compact()
    assert db.read_bytes() == original
    with Store.open(db, readonly=False) as store:
        redone = store.redo()
        assert redone.kind == "redo" and store.control(DUMAIR, D("2018-06-05")).faction.id == "isis"
        assert [c.kind for c in store.log()] == ["control", "event", "undo", "undo", "redo"]


def test_a_new_change_after_an_undo_clears_the_redo(store: Store) -> None:
    store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
    store.undo()
    assert store.redo_target() is not None
    store.record_control(DUMAIR, "hts", "held", D("2018-07-01"), source=SOURCE)
    assert store.redo_target() is None
    with pytest.raises(EditError, match="nothing to redo"):
        store.redo()


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"faction": "nobody"}, "faction", "unknown faction 'nobody'"),
        ({"status": "won"}, "status", "unknown status 'won'"),
        ({"day": D("2019-01-05")}, "date", "2019-01-05 is outside the data (2016-01-01 to 2018-12-31)"),
        ({"source": "  "}, "source", "a source is required"),
        ({"faction": "saa", "status": "held"}, "faction", "Dumair is already held by Syrian Arab Army on 2018-06-01"),
        ({"confidence": "sure"}, "confidence", "unknown confidence 'sure'"),
        ({"precision": "week"}, "precision", "unknown date precision 'week'"),
        ({"event": "e-none"}, "event", "no event with id 'e-none'"),
    ],
)
def test_a_bad_change_names_its_field_and_writes_nothing(
    store: Store, db: Path, kwargs: dict[str, object], field: str, words: str
) -> None:
    args: dict[str, object] = {"faction": "isis", "status": "contested", "day": D("2018-06-01"), "source": SOURCE}
    args.update(kwargs)
    before = db.read_bytes()
    with pytest.raises(EditError) as info:
        store.record_control(DUMAIR, str(args.pop("faction")), str(args.pop("status")), args.pop("day"), **args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert words in str(info.value)
    assert db.read_bytes() == before
    assert not store.history_file.exists()
    assert store.log() == []


def test_a_period_starting_that_day_is_replaced_only_when_asked(store: Store) -> None:
    with pytest.raises(EditError) as info:
        store.record_control(DUMAIR, "isis", "held", D("2018-04-20"), source=SOURCE)
    assert [f.code for f in info.value.fixes] == ["replace"]
    assert "already has a period from 2018-04-20" in str(info.value)
    store.record_control(DUMAIR, "isis", "held", D("2018-04-20"), source=SOURCE, fix="replace")
    assert store.control(DUMAIR, D("2018-04-20")).faction.id == "isis"
    assert len(store.history(DUMAIR)) == 2  # the same period, another controller


def test_a_place_covered_by_an_area_claim_keeps_its_past(store: Store) -> None:
    # A central Damascus neighbourhood: its periods come from claims on the city.
    place = next(u for u in store.units("C1001") if store.history(u) and store.history(u)[0].claim)
    past = [(p.faction, p.start, p.end) for p in store.history(place)]
    change = store.record_control(place, "isis", "contested", D("2018-07-01"), source=SOURCE)
    assert [op.table for op in change.ops] == ["sources", "claims"]  # a claim on the place, from the day
    after = store.history(place)
    assert store.control(place, D("2017-01-01")).faction.id == past[0][0]
    assert store.control(place, D("2018-06-30")).faction.id == "saa"
    assert store.control(place, D("2018-07-02")).faction.id == "isis"
    assert after[-1].start == D("2018-07-01") and after[-1].claim == change.ops[1].id
    assert store.validate() == []  # every claim still covers a place
    # Its own period can be edited and deleted like any other.
    store.edit("periods", after[-1].id, {"status": "besieged", "from": "2018-07-03"})
    assert store.control(place, D("2018-07-02")).faction.id == "saa"
    assert store.control(place, D("2018-07-04")).status == "besieged"
    store.delete("periods", store.history(place)[-1].id)
    assert [(p.faction, p.start, p.end) for p in store.history(place)] == past
    store.record_control(place, "isis", "held", D("2018-07-01"), source=SOURCE)
    with pytest.raises(EditError, match="already has a claim from 2018-07-01") as info:
        store.record_control(place, "hts", "held", D("2018-07-01"), source=SOURCE)
    assert [f.code for f in info.value.fixes] == ["replace"]
    store.record_control(place, "hts", "held", D("2018-07-01"), source=SOURCE, fix="replace")
    assert store.control(place, D("2018-07-02")).faction.id == "hts"
    assert len([c for c in store.claims.values() if c.region == place]) == 1
    assert store.validate() == []


def test_claims_on_one_place_never_overlap(store: Store) -> None:
    # Three changes, out of order, on a place whose control comes from claims:
    # each claim ends where the next begins, and undo gives the ends back.
    place = next(u for u in store.units("C1001") if store.history(u) and store.history(u)[0].claim)

    def own() -> list[tuple[str, date, date | None]]:
        return sorted((c.faction, c.start, c.end) for c in store.claims.values() if c.region == place)

    store.record_control(place, "isis", "held", D("2017-03-01"), source=SOURCE)
    store.record_control(place, "hts", "held", D("2017-09-01"), source=SOURCE)
    before = own()
    store.record_control(place, "saa", "held", D("2017-06-01"), source=SOURCE)
    assert own() == [("hts", D("2017-09-01"), None), ("isis", D("2017-03-01"), D("2017-05-31")),
                     ("saa", D("2017-06-01"), D("2017-08-31"))]
    assert store.validate() == []
    assert [store.control(place, D(day)).faction.id for day in ("2017-05-31", "2017-06-01", "2017-09-01")] == [
        "isis", "saa", "hts"]
    store.undo()
    assert own() == before and store.validate() == []


def test_a_claim_recorded_within_one_that_ends_ends_with_it(store: Store) -> None:
    place = next(u for u in store.units("C1001") if store.history(u) and store.history(u)[0].claim)
    store.record_control(place, "isis", "held", D("2017-03-01"), source=SOURCE)
    mine = next(p for p in store.history(place) if p.start == D("2017-03-01"))
    store.edit("periods", mine.id, {"to": "2017-12-31"})  # later news: it ended with the year
    after_it = store.control(place, D("2018-01-01")).faction.id
    store.record_control(place, "saa", "held", D("2017-06-01"), source=SOURCE)
    assert sorted((c.faction, c.start, c.end) for c in store.claims.values() if c.region == place) == [
        ("isis", D("2017-03-01"), D("2017-05-31")), ("saa", D("2017-06-01"), D("2017-12-31"))]
    assert store.control(place, D("2018-01-01")).faction.id == after_it  # the area's claims speak again
    assert store.validate() == []


def test_a_change_on_an_area_changes_every_place_under_it(store: Store) -> None:
    city = "C1001"
    units = store.units(city)
    change = store.record_control(city, "isis", "contested", D("2018-07-01"), source=SOURCE)
    assert f"({len(units)} places)" in change.summary
    assert {s.key for s in store.breakdown(city, D("2018-07-02")).by_faction} == {"isis"}
    assert store.breakdown(city, D("2018-06-30")).by_faction[0].key == "saa"
    assert store.validate() == []
    store.undo()
    assert store.breakdown(city, D("2018-07-02")).by_faction[0].key == "saa"


def test_editing_a_period_that_would_overlap_offers_to_move_the_neighbour(store: Store) -> None:
    second = store.history(DUMAIR)[1]
    with pytest.raises(EditError) as info:
        store.edit("periods", second.id, {"from": "2018-04-10"})
    assert "overlap the period before it" in str(info.value)
    assert [f.code for f in info.value.fixes] == ["adjust"]
    assert store.log() == []
    store.edit("periods", second.id, {"from": "2018-04-10"}, fix="adjust")
    first, moved = store.history(DUMAIR)
    assert (first.end, moved.start) == (D("2018-04-09"), D("2018-04-10"))
    assert store.validate() == []


def test_editing_a_period_that_would_leave_a_gap_offers_both_ways(store: Store) -> None:
    first = store.history(DUMAIR)[0]
    with pytest.raises(EditError) as info:
        store.edit("periods", first.id, {"to": "2018-04-10"})
    assert "2018-04-11 to 2018-04-19 would have no record" in str(info.value)
    assert [f.code for f in info.value.fixes] == ["adjust", "leave-gap"]
    store.edit("periods", first.id, {"to": "2018-04-10"}, fix="leave-gap")
    assert store.control(DUMAIR, D("2018-04-15")).status == "not-recorded"
    store.undo()
    store.edit("periods", first.id, {"to": "2018-04-10"}, fix="adjust")
    assert store.history(DUMAIR)[1].start == D("2018-04-11")
    # A start moved past the day its source was published: refused.
    with pytest.raises(EditError, match="was published before 2018-04-25"):
        store.edit("periods", store.history(DUMAIR)[1].id, {"from": "2018-04-25"}, fix="leave-gap")


def test_a_bad_period_edit_is_refused(store: Store) -> None:
    first = store.history(DUMAIR)[0]
    with pytest.raises(EditError, match="'2018-02-30'|day is out of range|not a date") as info:
        store.edit("periods", first.id, {"to": "2018-02-30"})
    assert info.value.field == "to"
    with pytest.raises(EditError, match="end .* before it starts"):
        store.edit("periods", store.history(DUMAIR)[1].id, {"to": "2018-04-01"})
    with pytest.raises(EditError, match="cannot be changed"):
        store.edit("periods", first.id, {"id": "other"})


def test_deleting_a_period_asks_what_to_do_with_its_days(store: Store) -> None:
    last = store.history(DUMAIR)[-1]
    with pytest.raises(EditError) as info:
        store.delete("periods", last.id)
    assert [f.code for f in info.value.fixes] == ["extend-previous", "leave-gap"]
    store.delete("periods", last.id, fix="extend-previous")
    assert [(p.faction, p.end) for p in store.history(DUMAIR)] == [("jaysh-al-islam", None)]
    store.undo()
    assert len(store.history(DUMAIR)) == 2


def test_periods_from_a_claim_are_not_edited_directly(store: Store) -> None:
    place = next(u for u in store.units("C1001") if store.history(u) and store.history(u)[0].claim)
    claimed = store.history(place)[0]
    with pytest.raises(EditError, match="comes from the claim .* on all of Damascus; record a change"):
        store.edit("periods", claimed.id, {"status": "contested"})


def test_an_event_with_actors_and_figure_ranges(store: Store) -> None:
    change = store.add_event({
        "type": "evacuation",
        "title": "Buses leave Dumair [@click=app.quit]",
        "date": "2018-04",
        "places": [DUMAIR],
        "actors": [{"faction": "jaysh-al-islam", "role": "evacuated"}],
        "figures": [{"label": "fighters", "low": "1,000", "high": "1500", "approximate": True,
                     "source": "SOHR, Dumair evacuation count"}],
        "sources": [SOURCE],
        "confidence": "low",
    })
    event = store.events[change.ops[-1].id]
    assert event.title == "Buses leave Dumair [@click=app.quit]"
    assert event.precision == "month" and (event.first, event.last) == (D("2018-04-01"), D("2018-04-30"))
    assert event.figures[0].text == "fighters: about 1,000-1,500 people"
    assert store.sources[event.figures[0].source or ""].publication == "SOHR"
    assert event in store.events_query(place=DUMAIR)
    assert store.validate() == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "party"}, "type"),
        ({"title": " "}, "title"),
        ({"date": "2018-02-30"}, "date"),
        ({"date": "2020-01-01"}, "date"),
        ({"places": []}, "places"),
        ({"places": ["nowhere"]}, "places"),
        ({"actors": [{"faction": "nobody"}]}, "actors.1.faction"),
        ({"figures": [{"label": "killed", "low": 10, "high": 5}]}, "figures.1.high"),
        ({"figures": [{"label": "killed", "low": "many"}]}, "figures.1.low"),
        ({"sources": []}, "sources"),
        ({"precision": "span"}, "date_to"),
    ],
)
def test_a_bad_event_names_its_field(store: Store, fields: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"type": "siege", "title": "t", "date": "2018-03-01", "places": [DUMAIR],
                               "sources": [SOURCE]}
    with pytest.raises(EditError) as info:
        store.add_event({**base, **fields})
    assert info.value.field == field
    assert store.log() == []


def test_deleting_an_event_clears_the_periods_links_to_it(store: Store) -> None:
    period = store.history(DUMAIR)[1]
    assert period.start_event
    store.delete("events", period.start_event)
    assert store.history(DUMAIR)[1].start_event is None
    assert store.validate() == []


def test_a_read_only_store_refuses_every_edit(db: Path) -> None:
    with Store.open(db) as store:
        with pytest.raises(ReadOnlyError):
            store.record_control(DUMAIR, "isis", "held", D("2018-06-01"), source=SOURCE)
        with pytest.raises(ReadOnlyError):
            store.undo()
    assert not (db.parent / "damascus.json.changes").exists()


def test_the_log_filters_by_day_and_place(store: Store) -> None:
    store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
    store.record_control("C1001", "isis", "contested", D("2018-07-01"), source=SOURCE)
    assert len(store.log()) == 2
    assert [c.places[0] for c in store.log(place=DUMAIR)] == [DUMAIR]
    assert len(store.log(place=PROVINCE)) == 2
    assert store.log(since=date(2099, 1, 1)) == []
    assert store.last_change(place=DUMAIR) is store.log()[0]


def test_dry_run_checks_without_writing(store: Store) -> None:
    change = store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE, dry_run=True)
    assert change.summary.startswith("Dumair: Islamic State (contested) from 2018-06-01")
    assert store.log() == [] and not store.history_file.exists()
    assert store.control(DUMAIR, D("2018-06-05")).faction.id == "saa"


def test_free_text_sources() -> None:
    assert source_fields("Reuters, Army takes Dumair, https://reut.rs/x.") == {
        "publication": "Reuters", "title": "Army takes Dumair", "url": "https://reut.rs/x"
    }
    assert source_fields("https://www.sana.sy/en/?p=1") == {
        "publication": "sana.sy", "title": "sana.sy", "url": "https://www.sana.sy/en/?p=1"
    }
    assert source_fields("phone call with a resident")["title"] == "phone call with a resident"
    with pytest.raises(EditError):
        source_fields(" , ")


def test_the_author_comes_from_the_config_file_unless_the_environment_says(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('author = "Field\\u001b[31m Officer"\n', encoding="utf-8")
    monkeypatch.setenv("FRONTLINES_CONFIG", str(config))
    monkeypatch.delenv("FRONTLINES_AUTHOR")
    change = store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=SOURCE)
    assert change.author == "Field[31m Officer"  # the escape character dropped
    config.write_text("author = [1, 2]\n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"config.toml: 'author' must be a non-empty string"):
        store.record_control(DUMAIR, "hts", "held", D("2018-07-01"), source=SOURCE)
    config.write_text("author = \n", encoding="utf-8")
    with pytest.raises(StoreError, match=r"config.toml: invalid TOML"):
        store.record_control(DUMAIR, "hts", "held", D("2018-07-01"), source=SOURCE)
    assert len(store.log()) == 1  # nothing written by the refused ones


def test_a_device_id_is_made_once_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from store import identity

    monkeypatch.delenv("FRONTLINES_DEVICE", raising=False)
    monkeypatch.setattr("store.locate.user_data_dir", lambda: tmp_path / "data")
    first = identity.device()
    assert len(first) == 16 and first.isalnum()
    assert identity.device() == first
    assert (tmp_path / "data" / "device-id").read_text().strip() == first


def test_the_bundled_data_set_opens_read_only_for_editing() -> None:
    from store.locate import bundled_path

    with Store.open_for_editing(bundled_path()) as store:
        assert store.readonly
        assert "bundled data set is never changed" in (store.read_only_reason or "")
        with pytest.raises(ReadOnlyError):
            store.undo()
    with Store.open_for_editing(BUNDLED, read_only=True) as store:
        assert store.read_only_reason == "opened read-only (--read-only)"


def test_a_source_published_before_the_change_cannot_be_its_evidence(store: Store) -> None:
    old = next(s for s in store.sources.values() if s.date and s.date < "2017")
    with pytest.raises(EditError, match=r"was published before 2018-06-01: it cannot be the evidence") as info:
        store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"), source=old.id)
    assert info.value.field == "source"
    with pytest.raises(EditError, match="published before") as info:
        store.record_control(DUMAIR, "isis", "contested", D("2018-06-01"),
                             source={"publication": "Old paper", "title": "t", "date": "2018-05"})
    with pytest.raises(EditError, match="published before") as info:
        store.add_event({"type": "siege", "title": "t", "date": "2018-03-01", "places": [DUMAIR],
                         "sources": [old.id]})
    assert info.value.field == "sources"
    assert store.log() == []


def test_a_start_known_to_the_day_needs_an_event_known_to_the_day(store: Store) -> None:
    month = store.add_event({"type": "takeover", "title": "Taken in June", "date": "2018-06",
                             "places": [DUMAIR], "sources": [SOURCE]})
    event_id = month.ops[-1].id
    with pytest.raises(EditError, match="dated only to the month") as info:
        store.record_control(DUMAIR, "isis", "held", D("2018-06-01"), source=SOURCE, event=event_id)
    assert info.value.field == "precision"
    store.record_control(DUMAIR, "isis", "held", D("2018-06-01"), source=SOURCE, event=event_id, precision="month")
    assert store.validate() == []


def test_a_value_that_cannot_be_stored_is_refused_naming_the_field(store: Store) -> None:
    from store.edits import edit_source

    sid = next(iter(store.sources))
    with pytest.raises(EditError, match="field 'title'"):
        edit_source(store, sid, {"title": {"a set"}})
    assert store.pending_changes == 0
