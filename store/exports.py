"""What analysts hand on: GeoJSON, CSV and a Markdown situation report.

Each builder takes the store, a place and a date (or a window) and returns
the whole document as text; writing it (stdout, an atomic file) is the
caller's business. Nothing here knows of Textual or Rich.

* :func:`place_rows` - one flat record per place under a place (the units
  the situation lists) on a day: the fields both tabular formats carry.
* :func:`geojson_text` - an RFC 7946 FeatureCollection of those places:
  each place's outline (Polygon or MultiPolygon) else its point, else a
  null geometry; exterior rings counter-clockwise, holes clockwise.
* :func:`csv_text` - the same fields, one row a place, every text cell a
  spreadsheet could take for a formula neutralised (OWASP's advice); with
  ``bom=True`` it starts with the UTF-8 byte-order mark Excel needs.
* :func:`markdown_report` - the changes of control in a window, grouped by
  district, with events, figures and numbered sources, then the situation
  at the window's end. Stored text is escaped so no name becomes markup.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .model import BLOCS, NOT_RECORDED, NOT_RECORDED_LABEL, Period, Region, Source
from .situation import change_precision, since_precision, situation

if TYPE_CHECKING:
    from .db import Store
    from .situation import ChangeOfControl

# The fields of a place, in the order the CSV's columns and the GeoJSON's
# properties take. Sources: ids and citations, lists in GeoJSON, joined by
# SOURCE_JOINER in CSV.
FIELDS = (
    "id",
    "pcode",
    "name",
    "name_ar",
    "level",
    "parent",
    "parent_name",
    "lat",
    "lon",
    "controller_id",
    "controller",
    "bloc",
    "status",
    "since",
    "since_precision",
    "until",
    "confidence",
    "source_ids",
    "sources",
    "as_of",
)
SOURCE_JOINER = " | "


def citation(source: Source) -> str:
    """``Publication, "Title", date, address``: one line, plain ASCII quotes."""
    parts = [source.publication, f'"{source.title}"']
    if source.date:
        parts.append(source.date)
    if source.url:
        parts.append(source.url)
    return ", ".join(_one_line(part) for part in parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def place_rows(store: Store, region_id: str, day: date) -> list[dict[str, Any]]:
    """One record per place under ``region_id`` (see :meth:`Store.units`) on ``day``.

    In the hierarchy's order (depth first, siblings by name). ``controller``
    and ``bloc`` are None where nothing is recorded (``status`` says
    ``not-recorded``); ``until`` None: the situation lasts to the end of the
    data; ``since_precision`` says whether ``since`` is known to the day,
    the month or the year.
    """
    rows = []
    for unit_id in store.units(region_id):
        control = store.control(unit_id, day)
        region = control.region
        parent = store.regions.get(region.parent) if region.parent else None
        period = control.period
        faction = control.faction
        sources = [store.sources[s] for s in (period.sources if period else ()) if s in store.sources]
        rows.append(
            {
                "id": region.id,
                "pcode": region.pcode,
                "name": region.name,
                "name_ar": region.name_ar,
                "level": region.level,
                "parent": region.parent,
                "parent_name": parent.name if parent else None,
                "lat": region.lat,
                "lon": region.lon,
                "controller_id": faction.id if faction else None,
                "controller": faction.name if faction else None,
                "bloc": faction.bloc_key if faction else NOT_RECORDED,
                "status": control.status,
                "since": control.since.isoformat() if control.since else None,
                "since_precision": since_precision(store, region.id, control.since) if control.since else None,
                "until": control.until.isoformat() if control.until else None,
                "confidence": period.confidence if period else None,
                "source_ids": [s.id for s in sources],
                "sources": [citation(s) for s in sources],
                "as_of": day.isoformat(),
            }
        )
    return rows


# --- GeoJSON ------------------------------------------------------------------------------


def _signed_area(ring: list[Any]) -> float:
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        total += x0 * y1 - x1 * y0
    return total / 2


def _oriented(ring: list[Any], counter_clockwise: bool) -> list[list[float]]:
    points = [[float(x), float(y)] for x, y, *_ in ring]
    if (_signed_area(points) > 0) != counter_clockwise:
        points.reverse()
    return points


def geometry(region: Region) -> dict[str, Any] | None:
    """The place's outline (Polygon, or MultiPolygon for several), else its
    point, else None. Rings follow RFC 7946's right-hand rule."""
    if region.outline:
        polygons = [
            [_oriented(ring, index == 0) for index, ring in enumerate(polygon)] for polygon in region.outline if polygon
        ]
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        if polygons:
            return {"type": "MultiPolygon", "coordinates": polygons}
    if region.lat is not None and region.lon is not None:
        return {"type": "Point", "coordinates": [float(region.lon), float(region.lat)]}
    return None


def geojson_collection(store: Store, region_id: str, day: date) -> dict[str, Any]:
    """The FeatureCollection, as a dict (see :func:`geojson_text`)."""
    features = []
    for row in place_rows(store, region_id, day):
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": geometry(store.regions[row["id"]]),
                "properties": row,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_text(store: Store, region_id: str, day: date) -> str:
    """The places under ``region_id`` on ``day`` as GeoJSON text: one feature a
    line, so the file stays small and a diff of two dates reads place by place."""
    import orjson

    features = geojson_collection(store, region_id, day)["features"]
    body = ",\n".join(orjson.dumps(feature).decode("utf-8") for feature in features)
    return '{"type": "FeatureCollection", "features": [\n' + body + ("\n" if body else "") + "]}\n"


# --- CSV --------------------------------------------------------------------------------

# What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """``cell`` with a single quote in front if a spreadsheet would take it for
    a formula: it begins (after any spaces) with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return."""
    if cell.lstrip(" ").startswith(_FORMULA_STARTS) or cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value  # written by us: a coordinate, never a formula
    if isinstance(value, list):
        value = SOURCE_JOINER.join(str(v) for v in value)
    return neutralise(str(value))


# The byte-order mark, U+FEFF: encoded as UTF-8 it is EF BB BF. Excel on
# Windows reads a CSV without it in the local code page (Arabic names and
# curly quotes come out garbled); LibreOffice, pandas and QGIS read either.
BOM = "\ufeff"


def csv_text(store: Store, region_id: str, day: date, *, bom: bool = False) -> str:
    """The places under ``region_id`` on ``day`` as CSV (RFC 4180: CRLF, a header row),
    with ``bom`` starting with :data:`BOM` so that Excel takes it for UTF-8. The
    mark comes before the header, which is never neutralised (it is ours): a
    reader with ``encoding="utf-8-sig"`` sees the first column as ``id``."""
    out = io.StringIO(newline="")
    if bom:
        out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in place_rows(store, region_id, day):
        writer.writerow([_cell(row[name]) for name in FIELDS])
    return out.getvalue()


# --- Markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def md(text: str | None) -> str:
    """Stored text as literal Markdown: on one line, every character that could
    start markup (emphasis, links, code, HTML, tables, strikethrough, entities)
    escaped, and a leading ``#``, ``>``, ``+``, ``-`` or ``1.`` too."""
    if not text:
        return ""
    flat = _MD_SPECIAL.sub(r"\\\1", _one_line(text))
    if flat[:1] in ("#", "+", "-", "="):
        flat = "\\" + flat
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", flat)


def _url(url: str) -> str:
    """An address as an autolink when it is a plain one, else as escaped text."""
    if re.fullmatch(r"https?://[^\s<>\\`]+", url):
        return f"<{url}>"
    return md(url)


def _day_text(day: date, precision: str) -> str:
    if precision == "month":
        return f"{day:%Y-%m} (month known)"
    if precision == "year":
        return f"{day:%Y} (year known)"
    return day.isoformat()


def _side(store: Store, period: Period | None) -> str:
    if period is None:
        return NOT_RECORDED_LABEL
    faction = store.factions.get(period.faction)
    name = md(faction.name if faction else period.faction)
    partners = ""
    if period.others:
        names = [md(store.factions[f].name if f in store.factions else f) for f in period.others]
        partners = " with " + ", ".join(names)
    return f"{name} ({period.status}){partners}"


def _place_label(region: Region) -> str:
    code = region.pcode or region.id
    return f"{md(region.name)} ({region.level}, {md(code)})"


@dataclass
class _Sources:
    """Sources numbered once each, in the order the report first cites them."""

    numbers: dict[str, int]
    listed: list[Source]

    def cite(self, source: Source) -> str:
        if source.id not in self.numbers:
            self.listed.append(source)
            self.numbers[source.id] = len(self.listed)
        return f"[{self.numbers[source.id]}]"


def district_of(store: Store, region: Region, top: Region) -> Region:
    """The district a place lies in (itself, if it is one); ``top`` for a place
    above district level or outside any district."""
    for ancestor in store.ancestors(region.id):
        if ancestor.level == "district":
            return ancestor
    return top


def markdown_report(store: Store, region_id: str, since: date, until: date) -> str:
    """A situation report on ``region_id``: the changes of control from ``since``
    to ``until`` (both included) grouped by district, then who held what on
    ``until``, with every source cited numbered once in a list at the end."""
    top = store.regions[region_id]
    found = store.changes_between(region_id, since, until)
    sources = _Sources({}, [])
    lines: list[str] = []
    add = lines.append

    path = " > ".join(md(r.name) for r in store.ancestors(region_id))
    add(f"# Situation report: {md(top.name)}, {since.isoformat()} to {until.isoformat()}")
    add("")
    add(f"- Place: {path} ({top.level}, {md(top.pcode or top.id)})")
    add(f"- Window: {since.isoformat()} to {until.isoformat()} (both days included)")
    add(f"- Data: {md(store.title)}, {store.span[0].isoformat()} to {store.span[1].isoformat()}")
    add("")

    places = len({item.region.id for item in found})
    add("## Changes of control")
    add("")
    if not found:
        add(f"No change of control is recorded under {md(top.name)} in the window.")
        add("")
    else:
        add(f"{_count(len(found), 'change')} of control in {_count(places, 'place')}, by district.")
        add("")
        grouped: dict[str, list[ChangeOfControl]] = {}
        districts: dict[str, Region] = {}
        for item in found:
            district = district_of(store, item.region, top)
            districts[district.id] = district
            grouped.setdefault(district.id, []).append(item)
        order = sorted(districts.values(), key=lambda d: (d.id != top.id, d.name.casefold(), d.id))
        for district in order:
            items = grouped[district.id]
            add(f"### {md(district.name)} ({district.level}, {md(district.pcode or district.id)})")
            add("")
            for item in items:
                _change_lines(store, item, sources, add)
            add("")

    _situation_lines(store, top, until, add)

    add("## Sources")
    add("")
    if not sources.listed:
        add("No source is cited above.")
    for number, source in enumerate(sources.listed, 1):
        parts = [md(source.publication), f"\u201c{md(source.title)}\u201d"]
        if source.date:
            parts.append(md(source.date))
        text = ", ".join(parts)
        if source.url:
            text += f", {_url(source.url)}"
        add(f"{number}. {text}")
    add("")
    return "\n".join(lines)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _change_lines(store: Store, item: ChangeOfControl, sources: _Sources, add: Any) -> None:
    change = item.change
    when = _day_text(change.day, change_precision(change))
    cites = " ".join(sources.cite(s) for s in item.sources)
    add(f"- **{when}** {_place_label(item.region)}: {_side(store, change.before)} -> {_side(store, change.after)}")
    event = item.event
    if event is not None:
        add(f"  - Event: {md(event.date_text)}, {md(event.type)}: {md(event.title)}")
        for figure in event.figures:
            about = "about " if figure.approximate else ""
            value = f"{figure.low:,}" if figure.low == figure.high else f"{figure.low:,} to {figure.high:,}"
            own = ""
            if figure.source and figure.source in store.sources:
                own = " " + sources.cite(store.sources[figure.source])
            unit = f" {md(figure.unit_text)}" if figure.unit else ""
            add(f"  - {md(figure.label)}: {about}{value}{unit}{own}")
    add(f"  - Sources: {cites}" if cites else "  - Sources: none recorded")


def _situation_lines(store: Store, top: Region, day: date, add: Any) -> None:
    found = situation(store, top.id, day)
    add(f"## Situation on {day.isoformat()}")
    add("")
    add(f"{_count(found.total, 'place')} under {md(top.name)}, by who held them and how.")
    add("")
    add("| Controller | Bloc | Status | Places |")
    add("| --- | --- | --- | ---: |")
    for group in found.groups:
        who = md(group.faction.name) if group.faction else NOT_RECORDED_LABEL
        bloc = BLOCS[group.bloc].label if group.bloc in BLOCS else NOT_RECORDED_LABEL
        status = "-" if group.status == NOT_RECORDED else group.status
        add(f"| {who} | {bloc} | {status} | {len(group.places)} |")
    add("")
    start = store.span[0]
    for group in found.groups:
        who = md(group.faction.name) if group.faction else NOT_RECORDED_LABEL.capitalize()
        status = "" if group.status == NOT_RECORDED else f", {group.status}"
        add(f"### {who}{status}: {_count(len(group.places), 'place')}")
        add("")
        for placed in group.places:
            since = placed.since
            if since is None:
                when = ""
            elif since == start:
                when = f", since {since.isoformat()} (the start of the data)"
            else:
                when = f", since {_day_text(since, since_precision(store, placed.region.id, since))}"
            add(f"- {_place_label(placed.region)}{when}")
        add("")
