"""The bundled data set, fixtures/damascus.json, against the facts it must match.

The places come from OCHA's COD-AB gazetteer (fixtures/cod-ab); the facts
from the data brief and from the public reports each row cites: P-codes
and coordinates, the 2016-2018 timeline with the corrections of issue 8,
rival figures kept apart, and "not recorded" where no source says who held
a place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from fixtures import build_damascus
from store import Store
from store.dates import parse_partial
from store.locate import bundled_path
from store.model import CONFIDENCES, Event

D = date.fromisoformat
# Arabic words; COD-AB joins some with a hyphen or an underscore.
ARABIC = re.compile(r"[\u0600-\u06FF]+(?:(?: - | |_)[\u0600-\u06FF]+)*")
GAZETTEER = Path(build_damascus.__file__).with_name("cod-ab")


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
    build_damascus.write(out)
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
    for c in store.claims.values():
        assert len(c.sources) >= 1, c.id
        assert c.confidence in CONFIDENCES, c.id
    assert set(CONFIDENCES) == {"high", "medium", "low"}


def test_every_cited_source_exists(store: Store) -> None:
    cited = {s for p in store.periods.values() for s in p.sources}
    cited |= {s for e in store.events.values() for s in e.sources}
    cited |= {s for c in store.claims.values() for s in c.sources}
    cited |= {f.source for e in store.events.values() for f in e.figures if f.source}
    cited |= {s for r in store.regions.values() for s in r.sources}
    assert cited <= set(store.sources), sorted(cited - set(store.sources))
    # and nothing is listed that nothing cites
    assert set(store.sources) == cited


def test_unsourced_figures_say_so(store: Store) -> None:
    for e in store.events.values():
        for f in e.figures:
            if f.source is None:
                assert f.note, (e.id, f.label)
            assert f.low <= f.high, (e.id, f.label)


# --- the gazetteer: every COD-AB place ------------------------------------------------------


def _cod_codes(name: str, field: str) -> list[str]:
    import json

    data = json.loads((GAZETTEER / name).read_text(encoding="utf-8"))
    return [f["properties"][field] for f in data["features"]]


def test_every_cod_ab_place_is_in_the_data(store: Store) -> None:
    codes = store._codes  # every id, P-code and other code, upper-cased
    for name, field, count in (
        ("admin1.geojson", "PCODE", 2),
        ("admin2.geojson", "PCODE", 10),
        ("admin4-points.geojson", "PCODE", 234),
        ("admin5-damascus.geojson", "HAY_PCODE", 64),
    ):
        found = _cod_codes(name, field)
        assert len(found) == count, name
        missing = [c for c in found if c.upper() not in codes]
        assert not missing, (name, missing)
    levels = [r.level for r in store.regions.values()]
    assert levels.count("governorate") == 2
    assert levels.count("district") == 10
    assert levels.count("sub-district") == 37
    # Yarmouk is community C1002 and neighbourhood C10011023 at once, Hajar
    # al-Aswad community C2502 and neighbourhood C10011025: one place each.
    assert levels.count("community") == 234 - 1
    assert levels.count("neighbourhood") == 64 - 1 + 2  # and Tadamoun and Tishreen, not in COD-AB


def test_every_place_has_coordinates_and_the_gazetteer_as_a_source(store: Store) -> None:
    for region in store.regions.values():
        if region.level in ("community", "neighbourhood"):
            assert region.lat is not None and region.lon is not None, region.id
            assert 32.5 < region.lat < 34.5 and 35.5 < region.lon < 38.5, region.id
        if region.pcode:
            assert "ocha-cod-ab-syria" in region.sources, region.id


def test_outlines_where_cod_ab_has_them(store: Store) -> None:
    with_outline = {r.id for r in store.regions.values() if r.outline}
    assert {"SY01", "SY03"} <= with_outline
    assert {f"SY03{n:02d}" for n in range(1, 10)} | {"SY0100"} <= with_outline
    hoods = [r for r in store.regions.values() if r.level == "neighbourhood" and r.pcode]
    assert hoods and all(r.outline for r in hoods)


def test_the_bundled_database_stays_light() -> None:
    assert bundled_path().stat().st_size < 2_000_000


def test_communities_have_arabic_names_and_cod_spellings_as_alternates(store: Store) -> None:
    for region in store.regions.values():
        if region.level == "community":
            assert region.name_ar, region.id
    # The spelling people use is the name; COD-AB's is kept beside it.
    for rid, name, cod in (("C2346", "Dumair", "Dhameer"), ("C2387", "Jayroud", "Jirud"), ("C2394", "Ruhaybah", "Raheiba")):
        region = store.regions[rid]
        assert region.name == name
        assert cod in region.alt_names
        assert store.resolve(cod).chosen.id == rid


OLD_IDS = {
    "FL-OLD-CITY": "C10011027", "FL-MIDAN": "C10011059", "FL-MEZZEH": "C10011071",
    "FL-KAFR-SOUSA": "C10011010", "FL-RUKN-AL-DIN": "C10011035", "FL-BARZEH": "C10011013",
    "FL-QABOUN": "C10011012", "FL-EIN-TERMA": "C2315", "FL-SAQBA": "C2314", "FL-HAZZEH": "C2313",
    "FL-ARBIN": "C2321", "FL-ZAMALKA": "C2320", "FL-QUDSAYA": "C2328", "FL-AL-HAMAH": "C2323",
    "FL-SAYDNAYA": "C2404", "FL-AT-TALL": "C2395", "FL-BLOUDAN": "C2434", "FL-ZABADANI": "C2429",
    "FL-MADAYA": "C2450", "FL-WADI-BARADA": "SY030702", "FL-AIN-AL-FIJAH": "C2447", "FL-QATANA": "C2470",
    "FL-KHAN-AL-SHIH": "C2466", "FL-BEIT-JINN": "C2478", "FL-DARAYYA": "C2498", "FL-MOADAMIYEH": "C2499",
    # Not in COD-AB: they keep their own ids.
    "FL-TADAMOUN": "FL-TADAMOUN", "FL-TISHREEN": "FL-TISHREEN", "FL-DAMASCUS-PROVINCE": "FL-DAMASCUS-PROVINCE",
}


@pytest.mark.parametrize(("old", "new"), sorted(OLD_IDS.items()))
def test_ids_of_earlier_releases_still_find_their_place(store: Store, old: str, new: str) -> None:
    assert store.resolve(old).chosen.id == new


def test_ids_are_p_codes_wherever_cod_ab_has_one(store: Store) -> None:
    for old, new in OLD_IDS.items():
        if new.startswith(("C", "SY")):
            assert old not in store.regions
    for rid in ("C2321", "C2498", "C2478", "C10011012"):  # Arbin, Darayya, Beit Jinn, Qaboun
        assert store.regions[rid].pcode == rid


def test_single_child_chains_are_reported_for_the_explorer(store: Store) -> None:
    chain = [r.id for r in store.single_child_chain("SY01")]
    assert chain == ["SY0100", "SY010000", "C1001"]
    assert store.single_child_chain("SY03") == []


# --- control: sourced, or not recorded -------------------------------------------------------


def test_no_editorial_baseline_is_left(store: Store) -> None:
    assert all(s.kind != "editorial" for s in store.sources.values())
    assert "frontlines-baseline" not in store.sources


def test_every_source_says_where_it_was_read(store: Store) -> None:
    for source in store.sources.values():
        assert source.url or (source.note and "no address" in source.note.lower()), source.id
        if source.date:
            parse_partial(source.date)


@pytest.mark.parametrize(
    ("rid", "day"),
    [
        ("C2383", "2017-06-01"),  # Helleh, Al Qutayfah: no source before 21 May 2018
        ("C2470", "2016-06-01"),  # Qatana town: no source says who held it until the end of 2017
        ("C2345", "2016-06-01"),  # Sabe Byar, before the army took it in May 2017
        ("C10011015", "2017-06-01"),  # Masakin Barza, left out of the city claim
        ("C2434", "2016-06-01"),  # Bloudan: the reports disagree
    ],
)
def test_not_recorded_where_no_source_says(store: Store, rid: str, day: str) -> None:
    control = store.control(rid, D(day))
    assert control.status == "not-recorded"
    assert control.faction is None and control.period is None


def test_not_recorded_is_counted_apart_and_shrinks_to_nothing(store: Store) -> None:
    early = {s.key: s.count for s in store.breakdown("FL-DAMASCUS-PROVINCE", D("2017-06-01")).by_bloc}
    assert early["not-recorded"] > 50
    assert early["government"] > 50 and early["opposition"] > 10
    late = {s.key: s.count for s in store.breakdown("FL-DAMASCUS-PROVINCE", D("2018-06-01")).by_bloc}
    assert late == {"government": sum(early.values())}


def test_area_claims_cover_places_without_periods_and_say_so(store: Store) -> None:
    yabroud = store.control("C2416", D("2017-06-01"))
    assert yabroud.faction.id == "saa" and yabroud.period.claim == "c-qalamoun-SY0305"
    assert yabroud.since == D("2016-01-01")  # the claim, then the province's, run on as one situation
    qatana = store.control("C2470", D("2018-01-01"))
    assert qatana.period.claim == "c-west-SY0308-2017"
    # A place with periods of its own is not covered by a claim on its area.
    assert store.control("C2478", D("2017-06-01")).faction.id == "hts"  # Beit Jinn, in Qatana district
    # An excepted place is left out: Masakin Barza until the claim of 25 April 2018.
    assert store.control("C10011015", D("2018-04-25")).period.claim == "c-damascus-city-2018-04-25"
    # The nearest claim wins: Qalamoun's until 20 May 2018, then the province's.
    assert store.control("C2416", D("2018-05-21")).period.claim == "c-province-2018-05-21"


def test_no_period_starts_on_the_first_of_a_month_unless_only_the_month_is_known(store: Store) -> None:
    start = store.span[0]
    reported_on_the_first = {"p-C2466-2", "p-C2469-2"}  # Khan al-Shih: "from 1 December 2016"
    for period in store.periods.values():
        if period.start != start and period.start.day == 1 and period.id not in reported_on_the_first:
            assert period.from_precision in ("month", "year"), period.id


# --- the history, corrected (issue 8) -----------------------------------------------------------

TIMELINE = [
    # (place id, day, faction id or None for not recorded)
    ("C2338", "2018-04-11", "jaysh-al-islam"),  # Douma
    ("C2338", "2018-04-12", "saa"),
    ("C2342", "2018-03-22", "opposition"),  # Harasta: Ahrar al-Sham among others
    ("C2342", "2018-03-23", "saa"),
    ("C2321", "2016-03-01", "opposition"),  # Arbin, before the 2016 infighting
    ("C2321", "2018-03-20", "faylaq-al-rahman"),
    ("C2321", "2018-03-31", "saa"),
    ("C2320", "2018-03-30", "faylaq-al-rahman"),  # Zamalka
    ("C2315", "2018-04-01", "saa"),  # Ein Terma
    ("C2346", "2018-04-19", "jaysh-al-islam"),  # Dumair
    ("C2346", "2018-04-20", "saa"),
    ("C2387", "2016-01-01", "opposition"),  # Jayroud: no unified command before April 2018
    ("C2387", "2018-03-31", "opposition"),
    ("C2387", "2018-04-03", "umceq"),
    ("C2387", "2018-04-25", "saa"),
    ("C2386", "2018-04-25", "saa"),  # Nasiriyah
    ("C2394", "2018-04-25", "saa"),  # Ruhaybah
    ("C10011023", "2016-01-01", "hts"),  # Yarmouk: al-Nusra, until ISIS took most of it
    ("C10011023", "2016-04-12", "isis"),
    ("C10011023", "2018-05-21", "saa"),
    ("C2502", "2018-05-14", "isis"),  # Hajar al-Aswad
    ("C2502", "2018-05-15", "saa"),
    ("C10011068", "2018-04-27", "isis"),  # Qadam
    ("C10011068", "2018-04-28", "saa"),
    ("C2302", "2018-05-11", "saa"),  # Yalda
    ("C2498", "2016-08-26", "ajnad-al-sham"),  # Darayya
    ("C2498", "2016-08-27", "saa"),
    ("C2499", "2016-10-18", "opposition"),  # Moadamiyeh
    ("C2499", "2016-10-19", "saa"),
    ("C2328", "2016-10-12", "opposition"),  # Qudsaya
    ("C2328", "2016-10-13", "saa"),
    ("C2466", "2016-11-30", "opposition"),  # Khan al-Shih
    ("C2466", "2016-12-01", "saa"),
    ("C2395", "2016-12-01", "opposition"),  # At Tall
    ("C2395", "2016-12-02", "saa"),
    ("C2447", "2017-01-27", "opposition"),  # Ain al-Fijah
    ("C2447", "2017-01-28", "saa"),
    ("C2445", "2017-01-28", "opposition"),  # Deir Qanun
    ("C2445", "2017-01-29", "saa"),
    ("C2429", "2017-04-18", "ahrar-al-sham"),  # Zabadani
    ("C2429", "2017-04-19", "saa"),
    ("C2478", "2017-12-29", "hts"),  # Beit Jinn
    ("C2478", "2017-12-30", "saa"),
    ("C2287", "2016-03-01", None),  # Deir Khabiyeh: not recorded before May 2016
    ("C2287", "2016-06-01", "opposition"),
    ("C2287", "2016-10-14", "saa"),
    ("C2279", "2016-06-01", "opposition"),  # Zakiyah (Kisweh sub-district)
    ("C2279", "2017-01-20", "saa"),
    ("C2309", "2016-05-18", "opposition"),  # Deir al-Asafir (Maliha sub-district)
    ("C2309", "2016-05-19", "saa"),
    ("C2308", "2016-01-01", "saa"),  # Maliha town, taken in 2014
    ("C2314", "2018-03-17", "faylaq-al-rahman"),  # Saqba
    ("C2314", "2018-03-18", "saa"),
    ("C2316", "2018-03-30", "opposition"),  # Hamouriyeh: the Kafr Batna claims
    ("C2316", "2018-03-31", "saa"),
    ("C2344", "2016-06-01", "opposition"),  # Mesraba: handed to a neutral police after the 2016 infighting
    ("C2355", "2018-03-02", "opposition"),  # Nashabiyeh: Jaysh al-Islam or al-Nusra, reports differ
    ("C2355", "2018-03-03", "saa"),
    ("C2345", "2017-05-09", "saa"),  # Sabe Byar
]


@pytest.mark.parametrize(("rid", "day", "faction"), TIMELINE)
def test_timeline(store: Store, rid: str, day: str, faction: str | None) -> None:
    assert controller(store, rid, day) == faction


@pytest.mark.parametrize(
    ("rid", "day", "status"),
    [
        ("C2447", "2016-12-22", "held"),  # Wadi Barada: the offensive began on 23 December 2016
        ("C2447", "2016-12-23", "contested"),
        ("C10011013", "2016-06-01", "truce"),  # Barzeh, Tishreen and Qaboun: truces, not plain holdings
        ("FL-TISHREEN", "2016-06-01", "truce"),
        ("C10011012", "2016-06-01", "truce"),
        ("C10011013", "2017-02-18", "contested"),
        ("C2302", "2018-04-30", "truce"),
        ("C2387", "2017-07-16", "truce"),  # Eastern Qalamoun: a ceasefire from July 2017, besieged before
        ("C2387", "2017-07-15", "besieged"),
        ("C2346", "2018-04-19", "truce"),
    ],
)
def test_statuses(store: Store, rid: str, day: str, status: str) -> None:
    assert store.control(rid, D(day)).status == status


def test_the_yalda_truce_names_the_factions_its_sources_name(store: Store) -> None:
    control = store.control("C2302", D("2017-06-01"))
    assert control.faction.id == "opposition"
    assert set(control.period.others) == {"jaysh-al-islam", "jaysh-al-ababil", "hts"}
    (deal,) = _events(store, type="agreement", place="C2302")
    assert "fsa" not in {a.faction for a in deal.actors}


def test_eastern_ghouta_holders_are_not_projected_back_without_a_flag(store: Store) -> None:
    for rid in ("C2321", "C2320", "C2315", "C2313", "C2314"):
        first = store.history(rid)[0]
        assert first.faction == "opposition" and "not recorded" in first.note, rid
        faylaq = store.history(rid)[1]
        assert faylaq.faction == "faylaq-al-rahman" and faylaq.from_precision == "month", rid


def test_sources_are_not_dated_before_what_they_are_cited_for(store: Store) -> None:
    problems = [p for p in store.validate() if "published" in p.message]
    assert problems == []
    # The check itself: a change on 2018-04-20 citing a report of the 19th is refused.
    import copy

    tables = {name: [dict(r) for r in recs] for name, recs in _raw_tables().items()}
    period = next(p for p in tables["periods"] if p["id"] == "p-C2346-2")
    period["sources"] = ["syriadirect-2018-04-19"]
    messages = [p.message for p in Store.from_tables(copy.deepcopy(tables)).validate()]
    assert any("published 2018-04-19, before the change it records (2018-04-20)" in m for m in messages)


def _raw_tables() -> dict[str, list[dict]]:
    import json

    data = json.loads(bundled_path().read_text(encoding="utf-8"))
    return {name: list(records.values()) for name, records in data.items()}


def test_the_darayya_deal_and_evacuation(store: Store) -> None:
    control = store.control("C2498", D("2016-08-26"))
    assert control.faction.bloc == "opposition" and control.until == D("2016-08-26")


def test_province_is_all_government_from_21_may_2018(store: Store) -> None:
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


# --- sources: the brief's, with their addresses where the brief gives them ----------------------

BRIEF_SOURCES = {
    "alshahid-2018-04": "https://alshahidwitness.com/opposition-eastern-qalamoun-evacuate/",
    "syriadirect-2018-04-19": "https://syriadirect.org/news/evacuations-around-damascus-continue-as-thousands-depart-encircled-city-of-dumayr/",
    "globaltimes-2018-04-20": "http://www.globaltimes.cn/content/1098891.shtml",
    "iswnews-2018-04-19": "https://english.iswnews.com/1434/",
    "wikipedia-rif-dimashq-offensive-2018": "https://en.wikipedia.org/wiki/Rif_Dimashq_offensive_(February%E2%80%93April_2018)",
    "wikipedia-southern-damascus-offensive-2018": "https://en.wikipedia.org/wiki/Southern_Damascus_offensive_(April%E2%80%93May_2018)",
    "iswnews-2018-05-02": "https://english.iswnews.com/1576/",
}


@pytest.mark.parametrize(("sid", "url"), sorted(BRIEF_SOURCES.items()))
def test_the_briefs_sources_keep_their_addresses(store: Store, sid: str, url: str) -> None:
    assert store.sources[sid].url == url


def test_no_source_is_listed_twice(store: Store) -> None:
    urls = [s.url for s in store.sources.values() if s.url]
    assert len(urls) == len(set(urls))
    titles = [(s.publication, s.title) for s in store.sources.values()]
    assert len(titles) == len(set(titles))


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
    "C10011023": ("Yarmouk Camp", "مخيم اليرموك", 33.4738, 36.3095, "SY010000", "SY0100"),
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
    assert store.regions["C2321"].parent == "SY030106"  # Arbin
    assert store.regions["C2320"].parent == "SY030106"  # Zamalka
    assert store.regions["C2315"].parent == "SY030105"  # Ein Terma
    assert store.regions["C2314"].parent == "SY030105"  # Saqba
    assert store.regions["C10011011"].name == "Jobar"
    assert store.regions["FL-TADAMOUN"].parent == "C1001"
