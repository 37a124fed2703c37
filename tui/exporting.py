"""The palette's exports: GeoJSON, CSV or a Markdown report of the highlighted
place on the as-of date, written to the current directory.

The text comes from :mod:`store.exports` over the store the explorer has
open (nothing is read again); the file is replaced atomically
(:func:`store.storage.atomic_write`), and a notification says where it went,
or why it could not be written. Stored names never pass through markup.

The CSV starts with the UTF-8 byte-order mark (``export csv --bom``): the
palette writes a file for a person to open, most often in Excel, which
without the mark reads it in the local code page and garbles Arabic names.
Everything else that reads CSV (LibreOffice, pandas, QGIS) takes it either
way; the notification says so.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from store.text import shown

if TYPE_CHECKING:
    from .app import FrontlinesApp


@dataclass(frozen=True, slots=True)
class ExportKind:
    format: str  # geojson, csv or markdown
    label: str  # what the palette says: "Export GeoJSON"
    suffix: str


EXPORTS = (
    ExportKind("geojson", "Export GeoJSON", ".geojson"),
    ExportKind("csv", "Export CSV", ".csv"),
    ExportKind("markdown", "Export Markdown report", ".md"),
)

_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(region_id: str, kind: ExportKind, day: date, since: date | None = None) -> str:
    """``frontlines-<place id>-<date>.geojson`` (a report: ``...-<since>-to-<until>.md``);
    anything but letters, digits, dots, dashes and underscores in the id becomes ``_``."""
    safe_id = _UNSAFE_IN_NAME.sub("_", region_id).strip("._") or "place"
    when = f"{since.isoformat()}-to-{day.isoformat()}" if since is not None else day.isoformat()
    return f"frontlines-{safe_id}-{when}{kind.suffix}"


def report_window(app: FrontlinesApp) -> tuple[date, date]:
    """The report's window: the one the changes view (w) would list."""
    from .screens.changes import default_window

    since, until, _why = default_window(app)
    return since, until


def export(app: FrontlinesApp, kind: ExportKind, region_id: str, *, folder: Path | None = None) -> Path | None:
    """Write ``kind`` for ``region_id`` on the app's date into ``folder`` (the
    current directory); notify where, or the error. The path, or None."""
    from store import StoreError, exports
    from store.storage import atomic_write

    store = app.store
    region = store.regions.get(region_id)
    if region is None:
        app.notify("Nothing to export: no place is highlighted", severity="warning", markup=False)
        return None
    day = app.as_of
    since: date | None = None
    if kind.format == "geojson":
        text = exports.geojson_text(store, region_id, day)
    elif kind.format == "csv":
        text = exports.csv_text(store, region_id, day, bom=True)
    else:
        since, day = report_window(app)
        text = exports.markdown_report(store, region_id, since, day)
    target = (folder if folder is not None else Path.cwd()) / file_name(region_id, kind, day, since)
    try:
        if target.exists() and not target.is_file():
            raise IsADirectoryError(f"{target}: it is not a regular file")
        atomic_write(target, text.encode("utf-8"))
    except (OSError, StoreError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        app.notify(
            f"Could not write {shown(target, 200)}: {shown(reason, 200)}",
            title=kind.label,
            severity="error",
            markup=False,
        )
        return None
    places = len(store.units(region_id))
    what = (
        f"a report on {shown(region.name)}, {since.isoformat()} to {day.isoformat()}"
        if since is not None
        else f"{places} place{'s' if places != 1 else ''} of {shown(region.name)} on {day.isoformat()}"
    )
    note = " (UTF-8 with a byte-order mark, for Excel)" if kind.format == "csv" else ""
    app.notify(f"Wrote {what} to {shown(target, 300)}{note}", title=kind.label, markup=False)
    return target


def palette_label(kind: ExportKind, region_name: str, app: FrontlinesApp) -> str:
    """``Export GeoJSON for Douma on 2018-04-19`` (a report: ``... from D to D``)."""
    if kind.format == "markdown":
        since, until = report_window(app)
        return f"{kind.label} for {region_name}, {since.isoformat()} to {until.isoformat()}"
    return f"{kind.label} for {region_name} on {app.as_of.isoformat()}"


def cwd_text() -> str:
    try:
        return shown(os.getcwd(), 80)
    except OSError:
        return "the current directory"
