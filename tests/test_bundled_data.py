"""The bundled data set, fixtures/damascus.json, against the facts it must match.

The facts come from the data brief (shared/reference/damascus-2018-facts.md):
P-codes and coordinates, the 2018 timeline, rival figures kept apart, and
only the public sources the brief lists (plus the two editorial ones).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from fixtures import build_damascus
from store import Store
from store.locate import bundled_path
from store.model import CONFIDENCES, Event
from store.storage import write_tables

D = date.fromisoformat
ARABIC = re.compile(r"[\u0600-\u06FF]+(?: [\u0600-\u06FF]+)*")


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with Store.open(bundled_path()) as s:
        yield s


def controller(store: Store, rid: str, day: str) -> str | None:
    control = store.control(rid, D(day))
    return control.faction.id if control.faction else None


# --- integrity ----------------------------------------------------------------------


def test_validate_finds_no_problems(store: Store) -> None:
    assert store.validate() == []
    assert store.warnings == []


def test_generator_and_data_never_diverge(tmp_path: Path) -> None:
    out = tmp_path / "damascus.json"
    write_tables(out, build_damascus.build())
    assert out.read_bytes() == bundled_path().read_bytes(), (
        "fixtures/damascus.json is not what fixtures/build_damascus.py writes: "
        "run `.venv/bin/python -m fixtures.build_damascus`"
    )


def test_span_is_2016_to_2018(store: Store) -> None:
    assert store.span == (D("2016-01-01"), D("2018-12-31"))
    assert store.schema_version == 1


def test_every_period_and_event_has_sources_and_a_confidence(store: Store) -> None:
    for p in store.periods.values():
        assert len(p.sources) >= 1, p.id
        assert p.confidence in CONFIDENCES, p.id
    for e in store.events.values():
        assert len(e.sources) >= 1, e.id
        assert e.confidence in CONFIDENCES, e.id
    assert set(CONFIDENCES) == {"high", "medium", "low"}


def test_every_cited_source_exists(store: Store) -> None:
    cited = {s for p in store.periods.values() for s in p.sources}
    cited |= {s for e in store.events.values() for s in e.sources}
    cited |= {f.source for e in store.events.values() for f in e.figures if f.source}
    assert cited <= set(store.sources), sorted(cited - set(store.sources))
    # and nothing is listed that nothing cites
    assert set(store.sources) - cited <= {"ocha-cod-ab-syria"}  # the gazetteer backs the region ids


def test_unsourced_figures_say_so(store: Store) -> None:
    for e in store.events.values():
        for f in e.figures:
            if f.source is None:
                assert f.note, (e.id, f.label)
            assert f.low <= f.high, (e.id, f.label)


# --- control periods: complete and gap-free --------------------------------------------


def _units(store: Store) -> set[str]:
    return {p.region for p in store.periods.values()}


def test_every_unit_runs_from_2016_without_gaps_to_an_open_end(store: Store) -> None:
    start = store.span[0]
    for rid in _units(store):
        periods = store.history(rid)
        assert periods[0].start == start, (rid, periods[0].start)
        for earlier, later in zip(periods, periods[1:]):
            assert earlier.end is not None, (rid, earlier.id)
            assert earlier.end + timedelta(days=1) == later.start, (rid, earlier.id, later.id)
        assert periods[-1].end is None, (rid, periods[-1].id)


def test_every_community_and_neighbourhood_has_a_known_controller_throughout(store: Store) -> None:
    units = _units(store)
    places = [r for r in store.regions.values() if r.level in ("community", "neighbourhood")]
    assert len(places) > 40
    for region in places:
        if store.has_children(region.id):
            # A city: its status comes from the neighbourhoods under it, each complete.
            assert store.units(region.id), region.id
            assert set(store.units(region.id)) <= units
        else:
            assert region.id in units, f"{region.id} {region.name} has no control periods"


@pytest.mark.parametrize("day", ["2016-01-01", "2016-08-26", "2017-04-19", "2018-04-01", "2018-05-20", "2018-12-31"])
def test_the_whole_province_is_known_on_any_day(store: Store, day: str) -> None:
    breakdown = store.breakdown("FL-DAMASCUS-PROVINCE", D(day))
    assert all(share.key != "unknown" for share in breakdown.by_bloc), day


# --- the 2018 timeline ----------------------------------------------------------------

TIMELINE = [
    # (place id, day, faction id)
    ("C2338", "2018-04-11", "jaysh-al-islam"),  # Douma
    ("C2338", "2018-04-12", "saa"),
    ("C2342", "2018-03-21", "ahrar-al-sham"),  # Harasta
    ("C2342", "2018-03-24", "saa"),
    ("FL-ARBIN", "2018-03-20", "faylaq-al-rahman"),
    ("FL-ARBIN", "2018-04-01", "saa"),
    ("FL-ZAMALKA", "2018-03-20", "faylaq-al-rahman"),
    ("FL-ZAMALKA", "2018-04-01", "saa"),
    ("FL-EIN-TERMA", "2018-03-20", "faylaq-al-rahman"),
    ("FL-EIN-TERMA", "2018-04-01", "saa"),
    ("C2346", "2018-04-19", "jaysh-al-islam"),  # Dumair
    ("C2346", "2018-04-20", "saa"),
    ("C2387", "2018-04-25", "saa"),  # Jayroud
    ("C2386", "2018-04-25", "saa"),  # Nasiriyah
    ("C2394", "2018-04-25", "saa"),  # Ruhaybah
    ("C10011023", "2016-01-01", "isis"),  # Yarmouk Camp
    ("C10011023", "2018-05-19", "isis"),
    ("C10011023", "2018-05-21", "saa"),
    ("C2502", "2016-01-01", "isis"),  # Hajar al-Aswad
    ("C2502", "2018-05-19", "isis"),
    ("C2502", "2018-05-21", "saa"),
    ("C2302", "2018-05-11", "saa"),  # Yalda
    ("C2300", "2018-05-11", "saa"),  # Babbila
    ("C2295", "2018-05-11", "saa"),  # Beit Sahm
    ("FL-DARAYYA", "2016-08-27", "saa"),
    ("FL-DARAYYA", "2018-12-31", "saa"),
]


@pytest.mark.parametrize(("rid", "day", "faction"), TIMELINE)
def test_2018_timeline(store: Store, rid: str, day: str, faction: str) -> None:
    assert controller(store, rid, day) == faction


def test_dumair_was_a_truce_town_until_the_army_entered(store: Store) -> None:
    before = store.control("C2346", D("2018-04-19"))
    assert before.status == "truce"
    assert before.until == D("2018-04-19")
    after = store.control("C2346", D("2018-04-20"))
    assert after.status == "held" and after.since == D("2018-04-20")


@pytest.mark.parametrize("rid", ["C2387", "C2386", "C2394"])
def test_eastern_qalamoun_towns_rebel_until_24_april(store: Store, rid: str) -> None:
    for day in ("2016-01-01", "2018-04-20", "2018-04-24"):
        control = store.control(rid, D(day))
        assert control.faction is not None and control.faction.bloc == "opposition", (rid, day)
    assert store.control(rid, D("2018-04-24")).until == D("2018-04-24")


@pytest.mark.parametrize("rid", ["C2302", "C2300", "C2295"])
def test_yalda_babbila_beit_sahm_truce_before_may(store: Store, rid: str) -> None:
    for day in ("2016-01-01", "2018-04-30"):
        control = store.control(rid, D(day))
        assert control.status == "truce", (rid, day)
        assert control.faction is not None and control.faction.bloc == "opposition", (rid, day)


def test_darayya_was_rebel_before_the_deal(store: Store) -> None:
    control = store.control("FL-DARAYYA", D("2016-08-26"))
    assert control.faction is not None and control.faction.bloc == "opposition"
    assert control.until == D("2016-08-26")


def test_province_is_all_government_after_21_may_2018(store: Store) -> None:
    control = store.control("FL-DAMASCUS-PROVINCE", D("2018-05-21"))
    assert control.faction is not None and control.faction.id == "saa"
    before = store.control("FL-DAMASCUS-PROVINCE", D("2018-05-20"))
    assert before.status == "mixed"


# --- events ----------------------------------------------------------------------------


def _events(store: Store, *, type: str, place: str) -> list[Event]:
    return [e for e in store.events.values() if e.type == type and place in e.places]


def test_the_douma_deal_date_is_disputed(store: Store) -> None:
    disputed = [e for e in _events(store, type="agreement", place="C2338") if e.precision == "disputed"]
    assert len(disputed) == 1
    (deal,) = disputed
    assert (deal.date, deal.date_to) == ("2018-04-07", "2018-04-08")


def test_the_yalda_deal_date_is_disputed(store: Store) -> None:
    deals = _events(store, type="agreement", place="C2302")
    assert [(e.precision, e.date, e.date_to) for e in deals] == [("disputed", "2018-04-29", "2018-05-03")]


def test_eastern_qalamoun_evacuee_estimates_are_separate_sourced_figures(store: Store) -> None:
    (evacuation,) = [
        e for e in _events(store, type="evacuation", place="C2394")
        if {"C2387", "C2386", "C2394"} <= set(e.places)
    ]
    evacuees = [f for f in evacuation.figures if f.label == "evacuees" and f.unit == "people"]
    ranges = {(f.low, f.high): f for f in evacuees}
    assert (1500, 3200) in ranges
    assert (5000, 5000) in ranges
    seed, wiki = ranges[(1500, 3200)], ranges[(5000, 5000)]
    assert wiki.approximate
    assert seed.source == "alshahid-2018-04"
    assert wiki.source and wiki.source != seed.source
    assert evacuation.first == D("2018-04-21") and evacuation.last == D("2018-04-25")


def test_dumair_evacuation_figures(store: Store) -> None:
    (evacuation,) = _events(store, type="evacuation", place="C2346")
    counts = {(f.low, f.high, f.source) for f in evacuation.figures}
    assert (1800, 1800, "syriadirect-2018-04-19") in counts
    assert (700, 700, "syriadirect-2018-04-19") in counts
    assert evacuation.first == D("2018-04-19")


@pytest.mark.parametrize("defector", ["desert-commandos", "ahmed-al-abdo"])
def test_the_two_defections(store: Store, defector: str) -> None:
    found = [
        e for e in store.events.values()
        if e.type == "defection"
        and any(a.faction == defector and a.role == "defector" for a in e.actors)
        and any(a.faction == "saa" and a.role == "received-defectors" for a in e.actors)
    ]
    assert len(found) == 1, defector
    assert found[0].date.startswith("2018-04")
    assert "alshahid-2018-04" in found[0].sources


def test_defecting_units_belong_to_the_right_groups(store: Store) -> None:
    assert store.factions["desert-commandos"].parent == "jaish-osoud"
    assert "fsa" in store.faction_descendants("fsa")
    assert {"desert-commandos", "ahmed-al-abdo", "faylaq-al-rahman"} <= set(store.faction_descendants("fsa"))


# --- sources: only the brief's list ---------------------------------------------------

# title -> (words the publication must contain, date or None, url or None), from the brief.
BRIEF_SOURCES: dict[str, tuple[tuple[str, ...], str | None, str | None]] = {
    "Opposition Groups In Eastern Qalamoun Evacuate To Northwest Syria": (
        ("al-Shahid Witness",), "2018-04", "https://alshahidwitness.com/opposition-eastern-qalamoun-evacuate/"),
    "Evacuations around Damascus continue as thousands depart encircled city of Dumayr": (
        ("Syria Direct",), "2018-04-19",
        "https://syriadirect.org/news/evacuations-around-damascus-continue-as-thousands-depart-encircled-city-of-dumayr/"),
    "Syrian forces enter Dumair near Damascus after rebels' evacuation": (
        ("Global Times", "Xinhua"), "2018-04-20", "http://www.globaltimes.cn/content/1098891.shtml"),
    "The Armed Groups of the Eastern Qalamoun Will Surrender": (
        ("Islamic World News",), "2018-04-19", "https://english.iswnews.com/1434/"),
    "Eastern Qalamoun offensive (April 2018)": (("Wikipedia",), None, None),
    "Rif Dimashq offensive (February-April 2018)": (
        ("Wikipedia",), None, "https://en.wikipedia.org/wiki/Rif_Dimashq_offensive_(February%E2%80%93April_2018)"),
    "Southern Damascus offensive (April-May 2018)": (
        ("Wikipedia",), None, "https://en.wikipedia.org/wiki/Southern_Damascus_offensive_(April%E2%80%93May_2018)"),
    "Syria rebels exit towns near Damascus, leaving only Daesh": (("AFP", "Arab News"), "2018-05-10", None),
    "Latest Military Situation in Southern Damascus 2 May 2018": (
        ("Islamic World News",), None, "https://english.iswnews.com/1576/"),
    "Thousands of civilians flee IS-held south Damascus during intensified pro-government campaign": (
        ("Syria Direct",), "2018-04", None),
    "Four years on, rebels begin Daraya exit": (("The Daily Star",), "2016-08-27", None),
    "Four towns, one agreement and the 'same tragedy for all'": (("Syria Direct",), "2017-04-13", None),
    "Militants' Evacuation from Barzeh District in Damascus Succeeded": (
        ("Inside Syria Media Center",), "2017-05-30", None),
    "Syrian Arab Republic - Subnational Administrative Boundaries": (("OCHA",), None, None),
}
EDITORIAL = {"frontlines-baseline", "frontlines-unverified"}


def test_every_source_is_from_the_brief_or_editorial(store: Store) -> None:
    for source in store.sources.values():
        if source.kind == "editorial":
            assert source.id in EDITORIAL, source.id
            assert source.publication == "frontlines editors"
            assert source.url is None
            continue
        assert source.title in BRIEF_SOURCES, f"{source.id}: '{source.title}' is not in the brief's list"
        words, when, url = BRIEF_SOURCES[source.title]
        for word in words:
            assert word in source.publication, (source.id, source.publication)
        if when is not None:
            assert source.date == when, source.id
        # An address is cited only if the brief gives it: nothing unseen.
        assert source.url == url, source.id
        assert source.kind in ("news", "reference", "monitor"), source.id


def test_each_brief_source_appears_once(store: Store) -> None:
    titles = [s.title for s in store.sources.values() if s.kind != "editorial"]
    assert sorted(titles) == sorted(BRIEF_SOURCES)


def test_editorial_sources_never_back_high_confidence(store: Store) -> None:
    for record in [*store.periods.values(), *store.events.values()]:
        if EDITORIAL & set(record.sources):
            assert record.confidence in ("low", "medium"), record.id
    for record in [*store.periods.values(), *store.events.values()]:
        if "frontlines-unverified" in record.sources:
            assert record.confidence == "low", record.id


# --- places: P-codes, coordinates, names --------------------------------------------------

# id: (name, Arabic, lat, lon, admin3, admin2), from the brief's "Places" table.
BRIEF_PLACES = {
    "C2346": ("Dumair", "الضمير", 33.6420, 36.6909, "SY030203", "SY0302"),
    "C2387": ("Jayroud", "جيرود", 33.8071, 36.7387, "SY030301", "SY0303"),
    "C2386": ("Nasiriyah", "الناصرية", 33.8685, 36.8162, "SY030301", "SY0303"),
    "C2394": ("Ruhaybah", "الرحيبة", 33.7420, 36.6998, "SY030303", "SY0303"),
    "C2302": ("Yalda", "يلدا", 33.4627, 36.3249, "SY030102", "SY0301"),
    "C2300": ("Babbila", "ببيلا", 33.4692, 36.3305, "SY030102", "SY0301"),
    "C2295": ("Beit Sahm", "بيت سحم", 33.4713, 36.3383, "SY030102", "SY0301"),
    "C2338": ("Douma", "دوما", 33.5699, 36.3991, "SY030200", "SY0302"),
    "C2342": ("Harasta", "حرستا", 33.5584, 36.3640, "SY030201", "SY0302"),
    "C10011023": ("Yarmouk", "مخيم اليرموك", 33.4738, 36.3095, "SY010000", "SY0100"),
    "C2502": ("Hajar al-Aswad", "الحجر الأسود", 33.4606, 36.3040, "SY030902", "SY0309"),
}


@pytest.mark.parametrize("rid", sorted(BRIEF_PLACES))
def test_brief_places_have_their_p_code_name_and_coordinates(store: Store, rid: str) -> None:
    name, arabic, lat, lon, admin3, admin2 = BRIEF_PLACES[rid]
    region = store.regions[rid]
    assert region.pcode == rid
    assert region.name.startswith(name)
    assert region.name_ar == arabic
    assert region.lat == pytest.approx(lat, abs=1e-4)
    assert region.lon == pytest.approx(lon, abs=1e-4)
    path = [r.id for r in store.ancestors(rid)]
    assert admin3 in path and admin2 in path, path
    assert region.level in ("community", "neighbourhood")


def test_other_codes_from_the_brief(store: Store) -> None:
    assert "C1002" in store.regions["C10011023"].other_codes
    assert "C10011025" in store.regions["C2502"].other_codes


SPELLINGS = {
    "C2346": ["Dumayr", "Dmeir", "al-Dumayr", "الضمير", "C2346"],
    "C2387": ["Jayrud", "Jairoud", "جيرود"],
    "C2386": ["al-Nasiriya", "Nasriyeh", "الناصرية"],
    "C2394": ["Ruhaiba", "Rhaibeh", "al-Ruhayba", "Ruheibah", "الرحيبة"],
    "C2302": ["Yalda", "يلدا"],
    "C2300": ["Babila", "Babella", "ببيلا"],
    "C2295": ["Beit Saham", "Bayt Saham", "بيت سحم"],
    "C2338": ["Duma", "دوما"],
    "C2342": ["Harasta", "حرستا"],
    "C10011023": ["Yarmuk", "al-Yarmouk", "مخيم اليرموك", "C1002"],
    "C2502": ["Hajar al-Aswad", "الحجر الأسود", "C10011025"],
    "FL-TADAMOUN": ["Tadamon", "Tadamun", "التضامن"],
    "C10011068": ["al-Qadam", "القدم", "C10011068"],
}


@pytest.mark.parametrize(("rid", "spelling"), [(rid, s) for rid, ss in SPELLINGS.items() for s in ss])
def test_the_brief_spellings_find_the_place(store: Store, rid: str, spelling: str) -> None:
    resolution = store.resolve(spelling)
    assert resolution.chosen is not None, (spelling, resolution.candidates, resolution.suggestions)
    assert resolution.chosen.id == rid


def test_arabic_names_are_in_arabic_script(store: Store) -> None:
    named = [(r.id, r.name_ar) for r in store.regions.values()] + [(f.id, f.name_ar) for f in store.factions.values()]
    with_arabic = [(rid, ar) for rid, ar in named if ar is not None]
    assert len(with_arabic) > 50
    for rid, ar in with_arabic:
        assert ARABIC.fullmatch(ar), (rid, ar)


def test_region_ids_are_p_codes_or_own_ids(store: Store) -> None:
    pcode = re.compile(r"SY\d{2}(?:\d{2}(?:\d{2})?)?|C\d{4,}")
    for region in store.regions.values():
        if region.id.startswith("FL-"):
            assert region.pcode is None, region.id
        else:
            assert pcode.fullmatch(region.id), region.id
            assert region.pcode == region.id, region.id


def test_the_hierarchy_of_the_brief(store: Store) -> None:
    assert store.regions["SY03"].parent == "FL-DAMASCUS-PROVINCE"
    assert store.regions["SY01"].parent == "FL-DAMASCUS-PROVINCE"
    assert "SY0300" not in store.regions  # the centre district is SY0301
    districts = {r.id for r in store.children("SY03")}
    assert districts == {f"SY03{n:02d}" for n in range(1, 10)}
    for region in store.regions.values():
        if region.level == "sub-district" and region.id.startswith("SY"):
            assert region.parent == region.id[:6], region.id
    assert store.regions["FL-ARBIN"].parent == "SY030106"
    assert store.regions["FL-ZAMALKA"].parent == "SY030106"
    assert store.regions["FL-EIN-TERMA"].parent == "SY030105"
    assert store.regions["FL-SAQBA"].parent == "SY030105"
    assert store.regions["C10011011"].name == "Jobar"
