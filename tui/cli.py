"""The ``frontlines`` command: the explorer, and queries that print text or JSON.

Subcommands never import Textual (nor Rich when their output is piped),
and each imports only the modules it uses, so they start fast over SSH.
The explorer draws its first frame before the store, the widgets and the
screens are imported (see ``tui.app.load_ui``). Every problem is one line
on stderr starting ``frontlines:``; exit codes are 0 (fine), 1 (nothing
found, bad database, validation problems, no terminal for the explorer),
2 (the command line itself is wrong: bad date, ambiguous place,
unknown option) and 130 (interrupted by Ctrl+C).

Whatever a message quotes from an argument, the environment or a file goes
through :func:`store.text.shown` where it is quoted, and every message
through :func:`store.text.safe_message` on its way out, so no escape
sequence or bidi override reaches the terminal. Output a stream cannot
encode (an ASCII or Latin-1 locale) is transliterated, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

from store.text import safe_message, shown

from .encoding import safe_stream

if TYPE_CHECKING:
    from store import Store
    from store.dates import PartialDate

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report it (128 + SIGINT)

# A writing command folds the changes waiting beside the database into its
# file (a full rewrite) once this many are waiting; until then each change is
# one line appended to the history file (durable, and fast on a big database).
COMPACT_AT = 50


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


# --- argument parsing ------------------------------------------------------------


def _date_arg(text: str) -> PartialDate:
    from store.dates import DateError, parse_partial

    try:
        return parse_partial(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' must be 0 or more")
    return value


MAP_MIN_WIDTH = 20
MAP_MAX_WIDTH = 1000


def _map_width(text: str) -> int:
    value = _positive(text)
    if not MAP_MIN_WIDTH <= value <= MAP_MAX_WIDTH:
        raise argparse.ArgumentTypeError(f"'{shown(text)}' must be from {MAP_MIN_WIDTH} to {MAP_MAX_WIDTH}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, naming what was wrong; the usage is one --help away."""
        # argparse quotes what was typed (an unknown option, a bad choice): clean it.
        say(f"{shown(message, 300)} (see `{shown(self.prog, 60)} --help`)")
        self.exit(EXIT_USAGE)


# JSON shapes, as each command's --help shows them (an installed user has no README).
_SOURCE = "{id, publication, title, url, date, kind}"
_FACTION_REF = "{id, name, bloc}"
_PLACE_REF = "{id, name, level, pcode}"

JSON_HELP = {
    "status": f"""\
JSON (--json): one object
  place       {{id, name, name_ar, alt_names, level, parent, pcode, other_codes,
              lat, lon, coord_note, sources, outline (true if it has one)}}
  path        ids from the top of the hierarchy down to the place
  at          the date asked about, YYYY-MM-DD
  status      held, contested, besieged, truce, mixed or not-recorded
  derived     true when the status comes from the places under it
  controller  {_FACTION_REF} or null; others: factions alongside it
  since       first day of this situation; since_precision: day, month or year
  until       its last day, or null (still so at the end of the data)
  confidence  high, medium, low, or null
  period      the control period's id, or null
  claim       the area claim it comes from, {{id, region, from, to, except}}, or null
  note        the period's note, or null
  events      events that began or ended the period (as `events --json` gives them)
  sources     [{_SOURCE}]
  breakdown   for a place with places under it: {{units, by_bloc: [{{bloc, count,
              share}}], by_faction: [{{faction, count, share}}]}}; else null""",
    "tree": f"""\
JSON (--json): {{"at": DATE, "tree": [node, ...]}}; each node is
  {{id, name, level, status, controller: {_FACTION_REF} or null, children: [node, ...]}}
  (no "children" below --depth)""",
    "events": f"""\
JSON (--json): a list, oldest first, of
  {{id, date, date_to, precision (day, month, year, span, disputed), first_day,
   last_day, type, title, summary, places: [{{id, name}}],
   actors: [{{faction: {_FACTION_REF}, role}}],
   figures: [{{label, low, high, unit, approximate, source, note}}],
   confidence, sources: [{_SOURCE}]}}""",
    "factions": f"""\
JSON (--json): a list, parents before their sub-factions, of
  {{id, name, short, name_ar, alt_names, bloc, glyph, colour, bloc_colour, parent,
   holdings: {{at, count, places: [{_PLACE_REF}]}}}}
  (holdings: the places with control records of their own the faction held on
  the --at date; a sub-faction's places are its own, not its parent's)""",
    "history": f"""\
JSON (--json): {{place, at, current, periods}}
  place    as in `status --json`
  at       the --at date; current: the id of the period covering it, or null
  periods  oldest first: [{{id, region, controller: {_FACTION_REF},
           others, status, from, from_precision, to (null: ongoing), start_event,
           end_event, confidence, sources: [{_SOURCE}], note, claim}}]""",
    "situation": f"""\
JSON (--json): one object
  place    {_PLACE_REF} of PLACE
  at       the date, YYYY-MM-DD
  filter   {{bloc, not_bloc, faction}} as given (bloc ids, faction id), else null
  total    places under PLACE; shown: how many passed the filter
  groups   [{{key ("FACTION-ID/STATUS", or "not-recorded/not-recorded"),
            controller: {_FACTION_REF} or null, bloc, status, count,
            places: [{{id, name, level, pcode, since, since_precision (day,
            month, year), until (null: still so at the end of the data),
            period (null where nothing is recorded)}}]}}]
  Groups come bloc by bloc (government, opposition, jihadist, kurdish, other,
  not recorded), the largest first; places by name.""",
    "changes": f"""\
JSON (--json): one object
  place    {_PLACE_REF} of PLACE
  since, until  the window, both days included
  count    how many changes
  changes  by day, then place: [{{day, day_precision (day, month, year),
           place: {_PLACE_REF},
           from: {{controller: {_FACTION_REF}, others, status, period, claim}}
                 or null (nothing recorded before),
           to: the same, or null (nothing recorded after),
           event: {{id, date, type, title}} or null,
           sources: [{_SOURCE}]}}]""",
}

_CHANGE = """\
  id        the change's id, unique across laptops (sortable by time)
  at        when it was made, UTC: YYYY-MM-DDTHH:MM:SSZ
  author    who made it ($FRONTLINES_AUTHOR, else `author` in config.toml, else
            the user name); device: this computer's id ($FRONTLINES_DEVICE)
  kind      control, event, edit, delete, undo or redo
  summary   one line saying what changed
  places    ids of the places whose records it touched
  ops       [{table, id, before, after}]: whole records before and after
            (before null: added; after null: removed)
  reverts   (an undo) the id of the change it took back; reapplies: (a redo)
            the id of the change it made again"""

_CHANGE_HELP = "JSON (--json): the change, as the history beside the database keeps it\n" + _CHANGE
JSON_HELP["record control"] = JSON_HELP["record event"] = _CHANGE_HELP
JSON_HELP["undo"] = JSON_HELP["redo"] = "JSON (--json): the undo (or redo), itself a change\n" + _CHANGE
JSON_HELP["log"] = "JSON (--json): a list, oldest first, of changes\n" + _CHANGE

BLOC_WORDS = "government, opposition, jihadist, kurdish, other or not-recorded"

# (name, one line of help): what the bare command lists when it cannot open the explorer.
COMMANDS = (
    ("status", "who controlled a place at a date, since when, and on what evidence"),
    ("situation", "the places under a place grouped by who held them at a date"),
    ("changes", "every change of control under a place between two dates, with events and sources"),
    ("tree", "the hierarchy under a place with each controller"),
    ("map", "a text map of the places under a place, marked by who held them at a date"),
    ("events", "events, oldest first (with those of places under --place)"),
    ("factions", "factions by bloc, with glyphs, colours and the places each held"),
    ("history", "every control period of one place"),
    ("export", "the places under a place as GeoJSON or CSV, or a Markdown situation report"),
    ("record", "record a change of control (record control) or an event (record event), with its source"),
    ("undo", "take back the last change made to the database (the undo is itself logged)"),
    ("redo", "make the last undone change again"),
    ("log", "the audit trail: every change, when, by whom, on which device"),
    ("compact", "fold the changes waiting beside the database into the database file"),
    ("import", "add data from other formats to the database (one transaction per file)"),
    ("validate", "check the database: references, overlapping or inverted periods, sources"),
    ("where", "print the path of the database that would be used"),
)
_COMMAND_HELP = dict(COMMANDS)

PLACE_HELP = ("a place: P-code, id, English or Arabic name or a common spelling "
              "(a name shared by a town and the areas above it means the town; the id chooses)")
DATE_FORMS = "YYYY, YYYY-MM or YYYY-MM-DD"


def _bloc_arg(text: str) -> str:
    """A bloc by id or label, any case: 'Government', 'kurdish-led', 'not recorded'."""
    from store.model import BLOCS, NOT_RECORDED

    key = "-".join(text.strip().casefold().replace("_", " ").split())
    for bloc in BLOCS.values():
        if key in (bloc.id, "-".join(bloc.label.casefold().split())):
            return bloc.id
    if key in (NOT_RECORDED, "notrecorded", "unrecorded", "none"):
        return NOT_RECORDED
    raise argparse.ArgumentTypeError(f"unknown bloc '{shown(text)}'; use one of: {BLOC_WORDS}")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)  # a _Parser: the subparsers (parser_class=_Parser) take it as a parent
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: $FRONTLINES_DB, else your copy of the bundled data)")
    common.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS,
                        help="no colour (also when NO_COLOR is set); glyphs carry the meaning")
    common.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help="open the database read-only: the explorer allows no editing (the commands "
                             "that only read take it too; record, undo, redo and compact refuse it)")

    parser = _Parser(
        prog="frontlines",
        description="Who controlled what in Damascus Province, 2016-2018: an explorer and queries. "
                    "Run without a command to open the explorer (in a terminal; otherwise it prints "
                    "a summary of the data and the commands).",
        parents=[common],
        epilog="Places can be given by P-code, id, English or Arabic name or any common spelling "
               "(Dumair, Dumayr, Dmeir, الضمير). `frontlines COMMAND --help` describes a command's "
               "options and its JSON.",
    )
    parser.add_argument("--at", metavar="DATE", type=_date_arg, default=argparse.SUPPRESS,
                        help=f"the explorer's as-of date: {DATE_FORMS} (a month or year means its last day); "
                             "default: the last day of the data")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands: dict[str, argparse.ArgumentParser] = {}
    parser.set_defaults(_commands=commands)

    def command(name: str, description: str | None = None) -> argparse.ArgumentParser:
        help_text = _COMMAND_HELP[name]
        # The formatter keeps the epilog's layout as written: the description is wrapped here.
        text = textwrap.fill(description or help_text[:1].upper() + help_text[1:] + ".", width=78)
        p = sub.add_parser(name, help=help_text, description=text, parents=[common],
                           epilog=JSON_HELP.get(name), formatter_class=argparse.RawDescriptionHelpFormatter)
        commands[name] = p
        return p

    def at_option(p: argparse.ArgumentParser, meaning: str) -> None:
        p.add_argument("--at", metavar="DATE", type=_date_arg, default=argparse.SUPPRESS,
                       help=f"{meaning}: {DATE_FORMS} (a month or year means its last day); "
                            "default: the last day of the data")

    def json_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print JSON (UTF-8) instead of text: see below")

    p = command("status")
    p.add_argument("place", metavar="PLACE", help=PLACE_HELP)
    at_option(p, "the date to ask about")
    json_option(p)

    p = command("situation", "The places under PLACE on a date, grouped by controller and status "
                             "(held, contested, besieged, truce, not recorded), each group with its count "
                             "and each place with the day its situation began and its P-code.")
    p.add_argument("place", metavar="PLACE", nargs="?", help=PLACE_HELP + "; default: the top of the hierarchy")
    at_option(p, "the date")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--bloc", metavar="BLOC", type=_bloc_arg,
                      help=f"only places held by this bloc: {BLOC_WORDS} (any case)")
    only.add_argument("--not-bloc", metavar="BLOC", type=_bloc_arg,
                      help="every place but those of this bloc (--not-bloc government: outside government "
                           "control, places with nothing recorded included)")
    p.add_argument("--faction", metavar="FACTION",
                   help="only places held by this faction or its sub-factions (id, name, short or other name)")
    json_option(p)

    p = command("changes", "Every change of controller or status under PLACE that took effect from "
                           "--since to --until (both days included): the day, the place, who held it "
                           "before and after, the event and its sources.")
    p.add_argument("place", metavar="PLACE", nargs="?", help=PLACE_HELP + "; default: the top of the hierarchy")
    p.add_argument("--since", metavar="DATE", type=_date_arg, required=True,
                   help=f"first day of the window: {DATE_FORMS} (a month or year means its first day)")
    p.add_argument("--until", metavar="DATE", type=_date_arg,
                   help=f"last day of the window: {DATE_FORMS} (a month or year means its last day); "
                        "default: the last day of the data")
    json_option(p)

    p = command("tree")
    p.add_argument("place", metavar="PLACE", nargs="?", help=PLACE_HELP + "; default: the whole hierarchy")
    p.add_argument("--depth", metavar="N", type=_positive, default=None,
                   help="levels below PLACE to show (0: PLACE alone); default: all")
    at_option(p, "the date whose controllers are shown")
    json_option(p)

    p = command("map", "A map of PLACE in braille characters: its outlines and those of the areas "
                       "under it, a marker for each community and neighbourhood with a location "
                       "(the glyph of its controller at --at), areas shaded by the places they "
                       "contain, names where they fit, a legend and a scale bar. A community is "
                       "shown within the area around it, its name always written.")
    p.add_argument("place", metavar="PLACE", nargs="?", help=PLACE_HELP + "; default: the top of the hierarchy")
    at_option(p, "the date whose controllers are drawn")
    p.add_argument("--width", metavar="N", type=_map_width, default=None,
                   help=f"columns of the map ({MAP_MIN_WIDTH} or more; default: the terminal's width, "
                        "else $COLUMNS, else 80); its height follows the shape of the area")

    p = command("events", "Events (offensives, agreements, evacuations, takeovers, ...), oldest first. "
                          "An event is kept if any day it may cover is in the window.")
    p.add_argument("--place", metavar="PLACE", help="only events of this place or of places under it; " + PLACE_HELP)
    p.add_argument("--since", metavar="DATE", type=_date_arg,
                   help=f"only events on or after this date: {DATE_FORMS} (a month or year means its first day)")
    p.add_argument("--until", metavar="DATE", type=_date_arg,
                   help=f"only events on or before this date: {DATE_FORMS} (a month or year means its last day)")
    p.add_argument("--at", metavar="DATE", type=_date_arg, default=argparse.SUPPRESS,
                   help="only events up to this date, as --until (give one of the two)")
    p.add_argument("--faction", metavar="FACTION",
                   help="only events with this faction or a sub-faction among the actors (id, name or short name)")
    p.add_argument("--type", metavar="TYPE", action=_EventTypesOption, dest="types")
    json_option(p)

    p = command("factions")
    at_option(p, "the date whose holdings are counted")
    json_option(p)

    p = command("history", "Every control period of one place, oldest first, with the period current "
                           "on the --at date marked.")
    p.add_argument("place", metavar="PLACE", help=PLACE_HELP)
    at_option(p, "the date whose period is marked current")
    json_option(p)

    p = command("export", "Write what you hand on: `geojson` (a FeatureCollection of the places under "
                          "--place, each with its outline or point and who held it on --at, with since, "
                          "status and sources: opens in QGIS and geojson.io), `csv` (one row a place, the "
                          "same fields; cells a spreadsheet could run as formulas are neutralised) or "
                          "`markdown` (a situation report: the changes of control from --since to --until "
                          "by district, with events, figures and numbered sources, then who held what on "
                          "--until). UTF-8 (csv with --bom: with the byte-order mark Excel needs), to standard output "
                          "or atomically to -o FILE.")
    p.epilog = EXPORT_EPILOG
    p.add_argument("format", metavar="FORMAT", choices=EXPORT_FORMATS, help="geojson, csv or markdown")
    p.add_argument("--place", metavar="PLACE", help=PLACE_HELP + "; default: the top of the hierarchy")
    p.add_argument("--at", metavar="DATE", type=_date_arg, default=argparse.SUPPRESS,
                   help=f"the date whose controllers are written (markdown: the report's last day, as "
                        f"--until): {DATE_FORMS} (a month or year means its last day); default: the last "
                        "day of the data")
    p.add_argument("--since", metavar="DATE", type=_date_arg,
                   help=f"markdown: the first day of the report's window: {DATE_FORMS} (a month or year "
                        "means its first day); default: a month before --until")
    p.add_argument("--until", metavar="DATE", type=_date_arg,
                   help=f"markdown: the last day of the window, and the day of the situation it ends with: "
                        f"{DATE_FORMS}; default: the last day of the data")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE (replaced atomically: never left half written) instead of "
                        "standard output; '-' is standard output")
    p.add_argument("--bom", action="store_true",
                   help="csv only: begin with the UTF-8 byte-order mark (EF BB BF), so that Excel on "
                        "Windows reads the file as UTF-8 and Arabic names come out intact; without it "
                        "Excel assumes the local code page. LibreOffice, pandas and QGIS read either")

    _record_commands(command, commands, common, json_option)

    p = command("import")
    kinds = p.add_subparsers(dest="import_kind", metavar="KIND", parser_class=_Parser, required=True)
    b = kinds.add_parser(
        "boundaries",
        parents=[common],
        help="admin units from a GeoJSON FeatureCollection (COD-AB by default)",
        description="Attach admin units (points, polygons, multipolygons) to the database's places by P-code "
                    "and create the missing ones under their parents. COD-AB property names work without "
                    "options. Nothing is written if any feature cannot be used; running it again changes nothing.",
    )
    commands["import boundaries"] = b
    b.add_argument("file", metavar="FILE.geojson", help="the GeoJSON file to read")
    b.add_argument("--level", metavar="LEVEL", action=_LevelOption)
    b.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    b.add_argument("--code-field", metavar="NAME", help="property holding the P-code (default: COD-AB's)")
    b.add_argument("--name-field", metavar="NAME", help="property holding the English name")
    b.add_argument("--name-ar-field", metavar="NAME", help="property holding the Arabic name")
    b.add_argument("--parent-field", metavar="NAME", help="property holding the parent's P-code")
    b.add_argument("--source", metavar="ID", help="id of the database's source record for the gazetteer; "
                                                  "every place the import creates or attaches to cites it")

    a = kinds.add_parser(
        "acled",
        parents=[common],
        help="events (and territory changes) from an ACLED CSV export",
        description="Add the events of an ACLED CSV export (any of its layouts): places matched by name and "
                    "coordinates, actors by faction name, new ones created and reported; rows that move territory "
                    "also change the place's control. One transaction: nothing is written if it is interrupted. "
                    "Importing the same file again changes nothing; rows with a newer timestamp update their event.",
    )
    commands["import acled"] = a
    a.add_argument("file", metavar="FILE.csv", help="the ACLED CSV file to read")
    a.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    a.add_argument("--strict", action="store_true", help="stop at the first bad row (exit 2, nothing written)")

    command("validate", "Check the whole database: references, overlapping or inverted periods, sources, "
                        "the schema version. Prints OK or one line per problem; exits 1 if there is any.")
    command("where", "Print the path of the database the other commands would read, and say on "
                     "standard error if that file does not exist (yet).")
    return parser


def _record_commands(command: Any, commands: dict[str, argparse.ArgumentParser], common: argparse.ArgumentParser,
                     json_option: Any) -> None:
    """``record control``, ``record event``, ``undo``, ``redo``, ``log`` and ``compact``."""
    p = command("record", "Record what you learned in the database: a change of control of a place "
                          "(`record control`) or an event (`record event`), each with its source. The change "
                          "is on disk when the command returns; undo it with `frontlines undo`.")
    kinds = p.add_subparsers(dest="record_kind", metavar="KIND", parser_class=_Parser, required=True)

    def kind(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        sub = kinds.add_parser(name, parents=[common], help=help_text, description=textwrap.fill(description, 78),
                               epilog=JSON_HELP[f"record {name}"], formatter_class=argparse.RawDescriptionHelpFormatter)
        commands[f"record {name}"] = sub
        return sub

    def source_option(sub: argparse.ArgumentParser, *, many: bool) -> None:
        sub.add_argument(
            "--source", metavar="TEXT", required=True, action="append" if many else "store",
            dest="sources" if many else "source",
            help="the source (required" + ("; repeatable" if many else "") + "): the id of a source already in the "
                 "database, or \"Publication, Title, https://address\" (any of the three; a new source is added)",
        )

    def date_help(what: str) -> str:
        return (f"{what}: YYYY-MM-DD, or YYYY-MM or YYYY when only the month or year is known "
                "(the first day, with that precision)")

    c = kind("control", "record that a place changed hands (or status) on a date",
             "Record that FACTION held PLACE (with --status) from --date on: the period covering that day "
             "is closed the day before and a new one opened, to where the old one ended. On an area, every "
             "place under it changes. Nothing is written if anything is wrong (exit 2).")
    c.add_argument("place", metavar="PLACE", help=PLACE_HELP)
    c.add_argument("--faction", metavar="FACTION", required=True,
                   help="who held it from then: a faction's id, name, short or other name")
    c.add_argument("--status", metavar="STATUS", required=True,
                   help="held, contested, besieged or truce")
    c.add_argument("--date", metavar="DATE", type=_date_arg, required=True, help=date_help("the first day"))
    c.add_argument("--precision", metavar="P",
                   help="how exactly the day is known: day, month or year (default: as --date was typed; "
                        "never finer than it)")
    source_option(c, many=False)
    c.add_argument("--confidence", metavar="C", default="medium", help="high, medium or low (default: medium)")
    c.add_argument("--note", metavar="TEXT", help="a note kept with the period")
    c.add_argument("--others", metavar="F,...", help="factions present alongside it, comma-separated")
    c.add_argument("--event", metavar="ID", help="the id of the event the change came with (it ends the old "
                                                 "period and begins the new one)")
    c.add_argument("--replace", action="store_true",
                   help="if a period already starts on that day, change it instead of refusing")
    json_option(c)

    e = kind("event", "add an event (a takeover, an agreement, an evacuation, ...) with its places and sources",
             "Add an event: its type, title, date or range, the places it happened in, the factions "
             "involved and in what role, figures (how many people were evacuated, ...) and its sources.")
    e.add_argument("--type", metavar="TYPE", required=True, dest="event_type", action=_EventTypeOption)
    e.add_argument("--title", metavar="TEXT", required=True, help="one line saying what happened")
    e.add_argument("--date", metavar="DATE", type=_date_arg, required=True, help=date_help("when it happened (or began)"))
    e.add_argument("--to", metavar="DATE", type=_date_arg, help="the last day, for an event over several days")
    e.add_argument("--precision", metavar="P",
                   help="day, month, year, span (from --date to --to) or disputed (sources disagree between "
                        "--date and --to); default: span with --to, else as --date was typed")
    e.add_argument("--place", metavar="PLACE", action="append", dest="places", required=True,
                   help="a place it happened in (repeatable): " + PLACE_HELP.split(": ", 1)[1])
    e.add_argument("--actor", metavar="FACTION[:ROLE]", action="append", dest="actors",
                   help="a faction involved (repeatable), and its role: took-control, lost-control, attacker, "
                        "defender, party (the default), evacuated, defector, received-defectors, deployed, "
                        "mediator; e.g. --actor saa:took-control --actor \"Jaysh al-Islam:evacuated\"")
    e.add_argument("--figure", metavar="LABEL=LOW[-HIGH][~][@SOURCE]", action="append", dest="figures",
                   help="a number the sources give (repeatable): what is counted, '=', the number or a range "
                        "LOW-HIGH, '~' if approximate, optionally a unit (people by default), then '@' and its own "
                        "source (an id or \"Publication, Title, URL\"); e.g. \"fighters evacuated=1500-2000~\", "
                        "\"buses=40 buses@syriadirect-2018-04-20\"")
    source_option(e, many=True)
    e.add_argument("--confidence", metavar="C", default="medium", help="high, medium or low (default: medium)")
    e.add_argument("--summary", metavar="TEXT", help="a few sentences on what happened")
    json_option(e)

    p = command("undo", "Take back the last change made to the database (the change before it, if run again). "
                        "The undo is itself a change, kept in the log; `frontlines redo` makes the change again.")
    json_option(p)
    p = command("redo", "Make the change the last undo took back again (itself a change, kept in the log).")
    json_option(p)

    p = command("log", "The audit trail: every change made to the database, oldest first, with the time (UTC), "
                       "the author, the device, what kind of change it was, what it changed and its id. "
                       "Undone changes are marked.")
    p.add_argument("--since", metavar="DATE", type=_date_arg,
                   help=f"only changes made on or after this day: {DATE_FORMS} (a month or year means its first day)")
    p.add_argument("--place", metavar="PLACE",
                   help="only changes to this place or to places under it; " + PLACE_HELP)
    json_option(p)

    command("compact", "Fold the changes waiting beside the database (in DATABASE.changes) into the database "
                       "file itself, in one atomic rewrite. Writing commands do it on their own once "
                       f"{COMPACT_AT} changes are waiting, the explorer when it closes. The history of changes "
                       "is kept: it is the log.")


class _ModelHelp(argparse.Action):
    """An option stored as typed whose help names the values the model allows
    (``names``, a tuple of store.model), read only when the help is shown:
    parsing a command line does not import the model."""

    names = "LEVELS"
    template = "{}"
    append = False

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if self.append:
            values = [*(getattr(namespace, self.dest, None) or []), values]
        setattr(namespace, self.dest, values)

    @property  # type: ignore[override]
    def help(self) -> str:
        from store import model

        allowed: tuple[str, ...] = getattr(model, self.names)
        return self.template.format(", ".join(allowed[:-1]) + " or " + allowed[-1])

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # the help above is the only one


class _LevelOption(_ModelHelp):
    template = "level of every feature: {}"


class _EventTypeOption(_ModelHelp):
    names = "EVENT_TYPES"
    template = "the event's type: {}"


class _EventTypesOption(_EventTypeOption):
    template = "only this event type (repeatable): {}"
    append = True


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        print(f"frontlines {_version()}")
        parser.exit(EXIT_OK)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("frontlines")
    except Exception:  # pragma: no cover - running from a bare checkout
        return "unknown"


# --- entry point --------------------------------------------------------------------


DEBUG_VAR = "FRONTLINES_DEBUG"


def say(message: str) -> None:
    """One message on stderr, ``frontlines:`` first, cleaned and encodable."""
    stream = safe_stream(sys.stderr)
    stream.write(f"frontlines: {safe_message(message)}\n")
    stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:
            # argparse reports them from the top-level parser: point to the
            # help of the command that was given them instead.
            key = args.command
            if key == "import":
                key = f"import {getattr(args, 'import_kind', '')}"
            elif key == "record":
                key = f"record {getattr(args, 'record_kind', '')}"
            owner = args._commands.get(key, parser)
            owner.error(f"unrecognized arguments: {' '.join(extra)}")
        return run(args)
    except CliError as exc:
        say(str(exc))
        return exc.code
    except KeyboardInterrupt:
        # Ctrl+C. `import acled` says itself what it kept (see cmd_import_acled);
        # interrupted before it began, or before the command line was read, nothing was written.
        if args is None:
            say("interrupted; nothing was written")
        elif args.command == "import" and getattr(args, "import_kind", None) == "acled":
            say("import acled: interrupted" if getattr(args, "import_began", False)
                else "import acled: interrupted; nothing was written")
        return EXIT_INTERRUPTED
    except RecursionError:
        if os.environ.get(DEBUG_VAR):
            raise
        say("the data is nested too deeply to show (run `frontlines validate`)")
        return EXIT_FAIL
    except BrokenPipeError:  # `frontlines events | head`: the reader has all it wanted
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_OK


# Commands that take no date: --at before them (`frontlines --at 2018 validate`) is refused.
_NO_DATE = {
    "validate": "it checks the whole database",
    "where": "it prints a path",
    "import": "it adds records, whatever their dates",
    "changes": "use --since and --until",
    "record": "give the day of the change with --date",
    "undo": "it takes back the last change",
    "redo": "it makes the last undone change again",
    "compact": "it folds the waiting changes into the file",
    "log": "use --since",
}
# Commands that change the database: they take the writer's lock.
_WRITING = ("record", "undo", "redo", "compact")


def _origin(args: argparse.Namespace) -> str | None:
    """Where the database path came from, when the user gave it: for messages."""
    from store.locate import ENV_VAR

    if getattr(args, "db", None) is not None:
        return "--db"
    if os.environ.get(ENV_VAR):
        return f"${ENV_VAR}"
    return None


def _from_origin(message: str, origin: str | None) -> str:
    if origin and origin.startswith("$"):
        return f"{message} (the path is {origin}'s; unset it to use your own copy of the bundled data)"
    return message


def run(args: argparse.Namespace) -> int:
    from store.locate import choose_db

    if args.command in _NO_DATE and getattr(args, "at", None) is not None:
        raise CliError(f"--at: `{args.command}` takes no date: {_NO_DATE[args.command]}", EXIT_USAGE)
    summary = False
    if args.command is None:
        problem = explorer_problem()
        if problem == _NOT_A_TERMINAL:
            summary = True
        elif problem:
            raise CliError(problem)
    origin = _origin(args)
    try:
        path, created = choose_db(getattr(args, "db", None), create=args.command != "where")
    except Exception as exc:
        # Finding the database does not load the storage module (orjson,
        # TinyDB) unless it raises one of its errors: look the class up then.
        from store import StoreError

        if not isinstance(exc, StoreError):
            raise
        raise CliError(_from_origin(str(exc), origin)) from None
    if created:
        say(created)
    if args.command == "where":
        return cmd_where(path, origin)

    if args.command == "import":
        if getattr(args, "read_only", False):
            raise CliError("--read-only: `import` changes the database; leave --read-only out to change it", EXIT_USAGE)
        return cmd_import(path, args)

    no_color = bool(getattr(args, "no_color", False)) or bool(os.environ.get("NO_COLOR"))
    if args.command in _WRITING:
        return _write(path, args, origin, no_color)

    at: PartialDate | None = getattr(args, "at", None)
    if args.command is None and not summary:
        return _explorer(path, at, no_color, created, read_only=bool(getattr(args, "read_only", False)))

    from store import Store, StoreError

    try:
        # validate reads a file without a schema version, to report it.
        store = Store.open(path, readonly=True, schema_required=args.command != "validate")
    except StoreError as exc:
        raise CliError(_from_origin(str(exc), origin)) from None
    for warning in store.warnings:
        say(f"warning: {warning}")

    day = at.last if at else store.span[1]
    if at is not None and args.command in _CONTROL_ON_A_DAY:
        # Who held what on a day the data does not reach is not known: refused, as the explorer does.
        from store.dates import DateError, day_in_data

        try:
            day = day_in_data(at, store.span)
        except DateError as exc:
            raise CliError(f"--at {exc}", EXIT_USAGE) from None

    from . import report

    out = report.Printer(no_color=no_color)
    if summary:
        try:
            out.summary(store, COMMANDS)
        finally:
            out.flush()
        return EXIT_OK
    handler = {
        "status": cmd_status,
        "situation": cmd_situation,
        "changes": cmd_changes,
        "tree": cmd_tree,
        "map": cmd_map,
        "events": cmd_events,
        "factions": cmd_factions,
        "history": cmd_history,
        "validate": cmd_validate,
        "log": cmd_log,
        "export": cmd_export,
    }[args.command]
    try:
        return handler(store, args, day, out)
    finally:
        out.flush()


# Commands whose answer is who held what on the --at day (events and history
# take it as a bound or a mark, and may reach past the data).
_CONTROL_ON_A_DAY = ("status", "tree", "situation", "factions", "map")


def cmd_where(path: Any, origin: str | None) -> int:
    out_stream = safe_stream(sys.stdout)
    out_stream.write(shown(path, 4096) + "\n")
    out_stream.flush()
    if path.exists():
        return EXIT_OK
    if origin is None:  # the user's copy, made by the first command that reads the data
        say("that file does not exist yet: the first command that reads the data creates it "
            "from the bundled data set")
        return EXIT_OK
    say(f"that file does not exist (the path is {origin}'s)")
    return EXIT_OK  # the path is the answer; the note says the commands would fail on it


def _explorer(path: Any, at: PartialDate | None, no_color: bool, created: str | None, *, read_only: bool = False) -> int:
    """The explorer: its screen comes up at once and the database opens
    behind it; if the database cannot be read, the same one-line error as
    the commands', after the screen is gone. It opens the database to edit
    it if it can (else read-only, saying why: another writer has it,
    ``--read-only``, the file's mode)."""
    from tui.app import run_explorer

    def open_store() -> Store:  # in the explorer's worker thread, after its first frame
        from store import Store

        return Store.open_for_editing(path, read_only=read_only)

    code, error = run_explorer(
        open_store,
        at=at.last if at else None,
        no_color=no_color,
        note=created,
        label=f"Opening {shown(path, 200)}…",  # as store.storage.where says it, without loading the storage
    )
    if error:
        raise CliError(error, code or EXIT_FAIL)  # 2 for an --at outside the data, as for a bad date
    return code


_NOT_A_TERMINAL = "standard output is not a terminal"


def explorer_problem() -> str | None:
    """Why the full-screen explorer cannot run here, and what to do instead; None if it can.

    :data:`_NOT_A_TERMINAL` when standard output is not a terminal (``frontlines >
    file``): then the bare command prints a summary and the list of commands."""
    instead = "for text output use a command such as `frontlines status PLACE` or `frontlines tree` (see --help)"
    try:
        if sys.stdout is None or not sys.stdout.isatty():
            return _NOT_A_TERMINAL
    except (AttributeError, ValueError, OSError):
        return _NOT_A_TERMINAL
    streams = (("standard input", sys.stdin), ("standard error", sys.stderr))
    for name, stream in streams:
        try:
            tty = stream is not None and stream.isatty()
        except (AttributeError, ValueError, OSError):
            tty = False
        if not tty:
            return f"the explorer needs a terminal, and {name} is not one; {instead}"
    term = os.environ.get("TERM", "")
    if term in ("dumb", "unknown"):
        return f"TERM={shown(term)}: this terminal cannot draw the explorer; {instead}"
    from .encoding import is_unicode

    encoding = getattr(sys.__stderr__, "encoding", None)
    if not is_unicode(encoding):
        return (
            f"the explorer draws with Unicode, and this terminal's encoding is {shown(encoding or 'unknown')}; "
            "use a UTF-8 locale (LANG=C.UTF-8) or set PYTHONIOENCODING=utf-8, or use the text commands, "
            "which work in any locale"
        )
    return None


def resolve_place(store: Store, query: str, *, area: bool = False) -> Any:
    """The one place ``query`` means. ``area``: the command covers everything
    under the place (events, tree, situation, changes), where the town and
    the district named alike give different answers: always say which one."""
    resolution = store.resolve(query)
    if resolution.chosen is not None:
        note = _chosen_note(store, query, resolution.chosen, area=area)
        if note:
            say(note)
        return resolution.chosen
    if resolution.ambiguous:
        lines = [f"'{shown(query)}' matches {len(resolution.candidates)} places; name one by its id:"]
        for region in resolution.candidates:
            path = " > ".join(r.name for r in store.ancestors(region.id)[:-1])
            lines.append(f"  {region.id:<22} {region.name} ({region.level}{', in ' + path if path else ''})")
        raise CliError("\n".join(lines), EXIT_USAGE)
    hint = ""
    if resolution.suggestions:
        hint = "; did you mean " + ", ".join(f"{r.name} ({r.id})" for r in resolution.suggestions) + "?"
    raise CliError(f"no place matches '{shown(query)}'{hint}", EXIT_FAIL)


def _chosen_note(store: Store, query: str, chosen: Any, *, area: bool = False) -> str | None:
    """A line saying which place was used, when ``query`` is the very name of
    another place than the one chosen: ``Duma`` names a district and a
    sub-district, and is a spelling of the town Douma, which is chosen (the
    most specific). None when the chosen place is called what was typed,
    unless ``area``: then any larger place it also names is listed. None for an id."""
    from store import matching

    key = matching.fold(query)

    def called(region: Any) -> bool:
        return key in (matching.fold(region.name), matching.fold(region.name_ar or ""))

    if not key or store._codes.get(query.strip().upper()) == chosen.id or (called(chosen) and not area):
        return None
    matches = store.search(query, limit=10_000)
    best = matches[0].tier if matches else None
    named = [m.region for m in matches if m.tier == best and m.region.id != chosen.id and (area or called(m.region))]
    if not named:
        return None
    others = " or ".join(f"the {r.level} {r.name} ({r.id})" for r in named)
    return (
        f"'{shown(query)}' is taken as {chosen.name} ({chosen.id}, {chosen.level}), the most specific "
        f"of the places it names; for {others}, give the id"
    )


def _root(store: Store, place: str | None) -> Any:
    """PLACE, or the top of the hierarchy when it has one top."""
    if place:
        return resolve_place(store, place, area=True)
    roots = store.roots()
    if len(roots) == 1:
        return roots[0]
    if not roots:
        raise CliError(f"{shown(store.path, 200)} has no places", EXIT_FAIL)
    names = ", ".join(f"{r.name} ({r.id})" for r in roots[:10])
    raise CliError(f"the database has {len(roots)} top-level places ({names}): name one as PLACE", EXIT_USAGE)


def _emit_json(data: Any) -> None:
    import orjson

    sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    sys.stdout.flush()


# --- commands ------------------------------------------------------------------------


def cmd_status(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    region = resolve_place(store, args.place)
    control = store.control(region.id, day)
    if args.json:
        from store.export import control_dict

        _emit_json(control_dict(store, control))
    else:
        out.status(store, control)
    return EXIT_OK


def cmd_tree(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    if args.place:
        roots = [resolve_place(store, args.place, area=True)]
    else:
        roots = store.roots()
    if args.json:
        from store.export import tree_json

        sys.stdout.buffer.write(tree_json(store, roots, day, args.depth))
        sys.stdout.flush()
    else:
        out.tree(store, roots, day, args.depth)
    return EXIT_OK


def _faction_id(store: Store, query: str | None) -> str | None:
    if not query:
        return None
    faction = store.resolve_faction(query)
    if faction is None:
        ids = sorted(store.factions)
        known = ", ".join(shown(i, 40) for i in ids[:30]) + (f" and {len(ids) - 30} more" if len(ids) > 30 else "")
        raise CliError(f"no faction matches '{shown(query)}'; known ids: {known}", EXIT_FAIL)
    return faction.id


def cmd_map(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from . import mapdraw

    from .mapitems import MapItems, map_area_of

    # The map is of the place (its neighbours only around it): no note about larger namesakes.
    region = resolve_place(store, args.place) if args.place else _root(store, None)
    # A place with nothing under it is drawn among its neighbours (the explorer's
    # map shows the same area), highlighted.
    area = store.regions[map_area_of(store, region.id)]
    highlighted = region.id if area is not region else None
    items = MapItems(store, area.id)
    places, areas = list(items.places(day)), list(items.areas)
    bounds = mapdraw.bounds_of(places, areas)
    if bounds is None:
        raise CliError(f"{region.name} ({region.id}) has no places with a location or outline to map", EXIT_FAIL)
    cols = args.width or min(out.width, MAP_MAX_WIDTH)
    rows = mapdraw.rows_for(bounds, cols)
    view = mapdraw.fit(bounds, cols, rows)
    frame = mapdraw.draw(view, mapdraw.outlines(view, areas), places, highlighted=highlighted)
    out.map(area, day, frame, places=len(places), highlighted=region if highlighted else None,
            unlocated=mapdraw.unlocated(store, area.id))
    return EXIT_OK


def cmd_events(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.model import EVENT_TYPES
    from store.export import event_dict
    at: PartialDate | None = getattr(args, "at", None)
    if at is not None and args.until is not None:
        raise CliError("--at and --until both give the last day of events: use one of them", EXIT_USAGE)
    until = args.until or at
    place = resolve_place(store, args.place, area=True) if args.place else None
    faction_id = _faction_id(store, args.faction)
    for event_type in args.types or ():
        if event_type not in EVENT_TYPES:
            raise CliError(
                f"--type: unknown event type '{shown(event_type)}'; use one of: {', '.join(EVENT_TYPES)}", EXIT_USAGE
            )
    if args.since and until and until.last < args.since.first:
        flag = "--until" if args.until else "--at"
        raise CliError(f"{flag} {until.text} is before --since {args.since.text}", EXIT_USAGE)
    events = store.events_query(
        place=place.id if place else None,
        since=args.since.first if args.since else None,
        until=until.last if until else None,
        faction=faction_id,
        types=args.types,
    )
    if args.json:
        _emit_json([event_dict(store, e) for e in events])
    else:
        out.events(store, events)
    return EXIT_OK


def cmd_factions(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.export import faction_dict
    from store.situation import place_ref

    if args.json:
        _emit_json([
            {
                **faction_dict(faction),
                "holdings": {
                    "at": day.isoformat(),
                    "count": len(held := store.holdings(faction.id, day)),
                    "places": [place_ref(r) for r in held],
                },
            }
            for faction, _ in store.walk_factions()
        ])
    else:
        out.factions(store, day)
    return EXIT_OK


def cmd_history(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.export import period_dict, region_dict

    region = resolve_place(store, args.place)
    periods = store.history(region.id)
    current = next((p for p in periods if p.covers(day)), None)
    if args.json:
        _emit_json({
            "place": region_dict(region),
            "at": day.isoformat(),
            "current": current.id if current else None,
            "periods": [period_dict(store, p) for p in periods],
        })
        return EXIT_OK
    if not periods:
        children = store.units(region.id)
        raise CliError(
            f"{region.name} ({region.id}) has no control periods of its own; its status comes from "
            f"{len(children)} places under it: try `frontlines tree {region.id}`",
            EXIT_FAIL,
        )
    out.history(store, region, periods, day)
    return EXIT_OK


def cmd_situation(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store import FilterError

    region = _root(store, args.place)
    faction_id = _faction_id(store, args.faction)
    try:
        found = store.situation(region.id, day, bloc=args.bloc, not_bloc=args.not_bloc, faction=faction_id)
    except FilterError as exc:  # pragma: no cover - the arguments were checked above
        raise CliError(str(exc), EXIT_USAGE) from None
    if args.json:
        from store.situation import situation_dict

        _emit_json(situation_dict(store, found, bloc=args.bloc, not_bloc=args.not_bloc, faction=faction_id))
    else:
        out.situation(store, found, bloc=args.bloc, not_bloc=args.not_bloc, faction=faction_id)
    return EXIT_OK


def cmd_changes(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    region = _root(store, args.place)
    since = args.since.first
    until = args.until.last if args.until else store.span[1]
    if until < since:
        what = f"--until {args.until.text}" if args.until else f"the end of the data ({until.isoformat()})"
        raise CliError(f"{what} is before --since {args.since.text}", EXIT_USAGE)
    found = store.changes_between(region.id, since, until)
    if args.json:
        from store.situation import changes_dict

        _emit_json(changes_dict(store, region, since, until, found))
    else:
        out.changes(store, region, since, until, found)
    return EXIT_OK


def cmd_import(path: Any, args: argparse.Namespace) -> int:
    """``import boundaries``: one atomic write, or nothing (see store.gazetteer)."""
    if args.import_kind == "acled":
        return cmd_import_acled(path, args)
    from store import StoreError
    from store.gazetteer import FieldNames, ImportProblem, import_boundaries, summary
    from store.model import LEVELS

    if args.level is not None and args.level not in LEVELS:
        raise CliError(f"--level: unknown level '{shown(args.level)}'; use one of: {', '.join(LEVELS)}", EXIT_USAGE)
    fields = FieldNames(args.code_field, args.name_field, args.name_ar_field, args.parent_field)
    try:
        result = import_boundaries(
            path, args.file, level=args.level, fields=fields, source=args.source, dry_run=args.dry_run
        )
    except ImportProblem as exc:
        for problem in exc.problems:
            say(f"{shown(args.file, 200)}: {problem}")
        raise CliError(str(exc)) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None
    out = safe_stream(sys.stdout)
    for line in summary(result, args.dry_run):
        out.write(safe_message(line) + "\n")
    out.flush()
    return EXIT_OK


class _ImportSteps:
    """How far ``import acled`` got, for the message Ctrl+C leaves."""

    def __init__(self) -> None:
        # (the database's path, its version on disk, how many changes its history held)
        self.committing: tuple[Any, str | None, int] | None = None
        self.written: Any = None  # the change, once the commit returned
        self.compacted = False


def cmd_import_acled(path: Any, args: argparse.Namespace) -> int:
    """``import acled``: plan the whole file (nothing written), then one commit and a compaction.

    Ctrl+C exits 130 with one line saying whether the import was saved:
    before its change is durable in the history nothing was written; after
    it, the whole import is in effect (folded into the file, or on the next
    open from the history)."""
    args.import_began = True
    steps = _ImportSteps()
    try:
        return _import_acled(path, args, steps)
    except KeyboardInterrupt:
        raise CliError(_import_interrupted(steps), EXIT_INTERRUPTED) from None


def _import_interrupted(steps: _ImportSteps) -> str:
    saved = steps.written is not None
    if not saved and steps.committing is not None:
        # Interrupted inside the commit: its change is in effect if its line
        # reached the history whole (a line cut short is ignored), as the
        # next open will find it.
        from store.history import History

        db_path, version, known = steps.committing
        try:
            saved = len(History.read(db_path, version).changes) > known
        except Exception:  # noqa: BLE001 - the history cannot be read back: say so rather than guess
            return ("import acled: interrupted while the import was being saved; "
                    "run `frontlines log` to see whether it was")
    if not saved:
        return "import acled: interrupted; nothing was written"
    if steps.compacted:
        return "import acled: interrupted after the import was saved: it is all in the database"
    return ("import acled: interrupted after the import was saved: it is all in effect, kept in the history "
            "beside the database until the next compaction (`frontlines compact`)")


@contextmanager
def _writing_status(wanted: bool, records: int) -> Iterator[None]:
    """A spinner on stderr while a long import is written (after its progress bar)."""
    if not wanted:
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(f"writing {records:,} records (one change, then the file)"):
        yield


def _import_acled(path: Any, args: argparse.Namespace, steps: _ImportSteps) -> int:
    from store import Store, StoreError
    from store.acled import AcledError, StrictStop, commit_plan, plan_import
    from store.edits import compact
    from store.storage import where

    try:
        store = Store.open(path, readonly=False)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    try:
        if store.readonly:
            reason = getattr(store._storage, "readonly_reason", None) or "it can only be read"
            raise CliError(f"{where(path)}: cannot change it: {reason}; nothing was changed")
        for warning in store.warnings:
            say(f"warning: {warning}")
        try:
            size = os.path.getsize(args.file)
        except OSError:
            size = 0
        progress_bar = None
        callback = None
        if size > 1_000_000 and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

            progress_bar = Progress("reading", BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                                    console=Console(stderr=True), transient=True)
            task = progress_bar.add_task("read", total=size)

            def callback(done: int) -> None:
                progress_bar.update(task, completed=done)

            progress_bar.start()
        try:
            plan = plan_import(store, args.file, strict=args.strict, progress=callback)
        except StrictStop as exc:
            raise CliError(f"{exc} (--strict: nothing was written)", EXIT_USAGE) from None
        except AcledError as exc:
            raise CliError(str(exc)) from None
        finally:
            if progress_bar is not None:
                progress_bar.stop()
        written = None
        if not args.dry_run:
            try:
                log = store._history
                if log is not None and store._storage is not None:
                    steps.committing = (store.path, store._storage.identity, len(log.changes))
                with _writing_status(progress_bar is not None and len(plan.ops) > 0, len(plan.ops)):
                    written = steps.written = commit_plan(store, plan)
                    if written is not None:
                        steps.compacted = compact(store)
            except StoreError as exc:
                raise CliError(str(exc)) from None
        out = safe_stream(sys.stdout)
        head = "would change (dry run, nothing written)" if args.dry_run else (
            "imported" if written is not None else "nothing to change")
        lines = [
            f"{shown(args.file, 200)}: {head}",
            f"  rows read          {plan.rows:,}",
            f"  events added       {plan.added:,}",
            f"  events updated     {plan.updated:,}",
            f"  events linked      {plan.linked:,}",
            f"  events unchanged   {plan.unchanged:,}",
            f"  factions created   {len(plan.factions):,}",
            f"  places created     {len(plan.places):,}",
            f"  control changes    {plan.control:,}",
            f"  rows rejected      {len(plan.bad):,}",
        ]
        lines += [f"  new faction: {shown(name, 100)}" for name in plan.factions]
        lines += [f"  new place: {shown(name, 100)}" for name in plan.places]
        lines += [f"  note: {shown(note, 200)}" for note in plan.notes]
        if plan.bad:
            lines.append("")
            lines.append(f"  {'line':>7}  reason")
            lines += [f"  {bad.line:>7}  {shown(bad.reason, 200)}" for bad in plan.bad]
        for line in lines:
            out.write(safe_message(line) + "\n")
        out.flush()
        return EXIT_OK
    finally:
        store.close()


def cmd_validate(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    problems = store.validate()
    out.problems(store, problems)
    return EXIT_FAIL if problems else EXIT_OK


# --- changing the database -------------------------------------------------------------


def _write(path: Any, args: argparse.Namespace, origin: str | None, no_color: bool) -> int:
    """A command that changes the database: it takes the writer's lock (a
    second writer is refused, naming the PID holding it), makes its change
    durable in the history file beside the database, and folds the waiting
    changes into the file once :data:`COMPACT_AT` of them are waiting."""
    from store import Store, StoreError
    from store.storage import where

    name = args.command if args.command != "record" else f"record {args.record_kind}"
    if getattr(args, "read_only", False):
        raise CliError(f"--read-only: `{name}` changes the database; leave --read-only out to change it", EXIT_USAGE)
    try:
        store = Store.open(path, readonly=False)
    except StoreError as exc:
        from store.storage import DatabaseLocked

        if isinstance(exc, DatabaseLocked):  # "...: database is in use by PID N; it can still be opened read-only"
            raise CliError(str(exc)) from None
        raise CliError(_from_origin(str(exc), origin)) from None
    try:
        if store.readonly:  # the file's mode forbids writing, or its schema is newer than this frontlines
            reason = getattr(store._storage, "readonly_reason", None) or "it can only be read"
            raise CliError(f"{where(path)}: cannot change it: {reason}; nothing was changed")
        for warning in store.warnings:
            say(f"warning: {warning}")
        from . import report

        out = report.Printer(no_color=no_color)
        handler = {
            "record control": cmd_record_control,
            "record event": cmd_record_event,
            "undo": cmd_undo,
            "redo": cmd_redo,
            "compact": cmd_compact,
        }[name]
        try:
            return handler(store, args, out)
        except StoreError as exc:  # cannot write the history (disk full, permissions): nothing was saved
            raise CliError(str(exc)) from None
        finally:
            out.flush()
    finally:
        store.close()


def _fold_if_due(store: Store) -> int | None:
    """Fold the waiting changes into the database file if :data:`COMPACT_AT`
    are waiting; how many were folded. A failure only warns: the change is
    already safe in the history file, and a later command folds it."""
    from store import StoreError

    waiting = store.pending_changes
    if waiting < COMPACT_AT:
        return None
    try:
        store.compact()
    except StoreError as exc:
        say(f"warning: the change is saved in {shown(store.history_file, 200)}, but the {waiting} changes waiting "
            f"could not be folded into the database file ({exc}); `frontlines compact` tries again")
        return None
    return waiting


def _done(store: Store, args: argparse.Namespace, out: Any, change: Any, verb: str) -> int:
    folded = _fold_if_due(store)
    if args.json:
        _emit_json(change.to_json())
    else:
        out.change(change, verb, store=store, folded=folded)
    return EXIT_OK


# What the store calls each input, as the command line names it.
_CONTROL_FIELDS = {
    "place": "PLACE", "faction": "--faction", "others": "--others", "status": "--status", "date": "--date",
    "precision": "--precision", "confidence": "--confidence", "event": "--event", "source": "--source",
    "note": "--note",
}
_EVENT_FIELDS = {
    "type": "--type", "title": "--title", "date": "--date", "date_to": "--to", "precision": "--precision",
    "places": "--place", "actors": "--actor", "figures": "--figure", "sources": "--source",
    "confidence": "--confidence", "summary": "--summary", "source": "--source",
}


def _edit_error(exc: Any, fields: dict[str, str], typed: dict[str, Sequence[str]] | None = None) -> CliError:
    """An :class:`~store.edits.EditError` as one line naming the option at
    fault: "--date: 2019-01-05 is outside the data (...)"; exit 2."""
    import re

    message = str(exc)
    field = exc.field or ""
    parts = field.split(".")
    option = fields.get(parts[0])
    if option is None:
        return CliError(message, EXIT_USAGE)
    if len(parts) > 1 and parts[1].isdigit():
        number = int(parts[1])
        values = (typed or {}).get(parts[0]) or ()
        if 0 < number <= len(values):
            option = f"{option} '{shown(values[number - 1], 50)}'"
        else:
            option = f"{option} #{number}"
        # The store's own "figure 2: " or "figures.2.low: " is said by the option now.
        message = re.sub(r"^(?:(?:figure|actor|source) \d+|[a-z_]+(?:\.\d+)?(?:\.[a-z_]+)?): ", "", message)
    elif message.startswith(f"{parts[0]}: "):
        message = message[len(parts[0]) + 2 :]
    return CliError(f"{option}: {message}", EXIT_USAGE)


_PRECISION_ORDER = {"day": 0, "month": 1, "year": 2}


def _precision(when: PartialDate, asked: str | None, option: str = "--date") -> str | None:
    """The precision of a date: as typed, or coarser if asked; never finer than typed."""
    if asked is None:
        return None
    precision = asked.strip().casefold()
    typed = _PRECISION_ORDER.get(when.precision, 0)
    wanted = _PRECISION_ORDER.get(precision)
    if wanted is not None and wanted < typed:
        need = "the whole date, YYYY-MM-DD" if precision == "day" else "YYYY-MM"
        _usage(f"--precision {precision}: {option} {when.text} gives only the {when.precision}; "
               f"for a precision of a {precision} give {need}")
    return precision


def _faction_arg(store: Store, query: str, option: str) -> str:
    """A faction by id, name, short or other name; unknown: exit 2, with the closest names."""
    import difflib

    from store import matching

    found = store.resolve_faction(query.strip())
    if found is not None:
        return found.id
    key = matching.fold(query)
    labels: dict[str, Any] = {}
    for faction in store.factions.values():
        for label in (faction.id, faction.name, faction.short, *faction.alt_names):
            if label:
                labels.setdefault(matching.fold(label), faction)
    close = difflib.get_close_matches(key, list(labels), n=3, cutoff=0.7)
    if len(key) >= 3:
        close += [label for label in labels if key in label]
    names = list(dict.fromkeys(f"{labels[k].name} ({labels[k].id})" for k in close))[:4]
    if names:
        hint = "; did you mean " + " or ".join(names) + "?"
    else:
        ids = sorted(store.factions)
        hint = "; known ids: " + ", ".join(shown(i, 40) for i in ids[:30]) + (f" and {len(ids) - 30} more" if len(ids) > 30 else "")
    return _usage(f"{option}: no faction matches '{shown(query)}'{hint}")


def _usage(message: str) -> NoReturn:
    raise CliError(message, EXIT_USAGE)


def cmd_record_control(store: Store, args: argparse.Namespace, out: Any) -> int:
    from store.edits import EditError

    region = resolve_place(store, args.place)
    faction = _faction_arg(store, args.faction, "--faction")
    others = [_faction_arg(store, f, "--others") for f in (args.others or "").split(",") if f.strip()]
    precision = _precision(args.date, args.precision) or args.date.precision
    try:
        change = store.record_control(
            region.id, faction, args.status.strip().casefold(), args.date.first,
            source=args.source, precision=precision, confidence=args.confidence.strip().casefold(),
            note=args.note or None, others=tuple(dict.fromkeys(others)), event=args.event,
            fix="replace" if args.replace else None,
        )
    except EditError as exc:
        error = _edit_error(exc, _CONTROL_FIELDS)
        if any(fix.code == "replace" for fix in exc.fixes) and not args.replace:
            error = CliError(f"{error}; add --replace to change that period instead", EXIT_USAGE)
        raise error from None
    return _done(store, args, out, change, "recorded")


# What a role looks like (store.edits checks the same); known roles are checked by name.
_ROLE_WORD = r"[a-z][a-z-]{0,39}"


def _actor_arg(store: Store, text: str, roles: Sequence[str]) -> dict[str, str]:
    """``FACTION[:ROLE]`` -> {faction, role}; a faction whose name has a colon is taken whole."""
    import re

    faction_text, colon, role = text.rpartition(":")
    if not colon:
        faction_text, role = text, "party"
    role = role.strip().casefold().replace(" ", "-") or "party"
    if role not in roles:
        whole = store.resolve_faction(text.strip()) if colon else None
        if whole is not None:
            return {"faction": whole.id, "role": "party"}
        hint = "" if re.fullmatch(_ROLE_WORD, role) else " (a role is one word, with hyphens)"
        _usage(f"--actor '{shown(text, 50)}': unknown role '{shown(role, 40)}'{hint}; use one of: {', '.join(roles)}")
    return {"faction": _faction_arg(store, faction_text, f"--actor '{shown(text, 50)}'"), "role": role}


FIGURE_FORM = "LABEL=LOW[-HIGH][~][ UNIT][@SOURCE]"


def _figure_arg(text: str) -> dict[str, Any]:
    """``LABEL=LOW[-HIGH][~][ UNIT][@SOURCE]`` -> the store's figure fields.

    "fighters evacuated=1500-2000~" (about 1,500 to 2,000 people),
    "buses=40 buses@syriadirect-2018-04-20" (its own source), "~" before or
    after the number, thousands with commas ("1,500")."""
    import re

    quoted = f"--figure '{shown(text, 60)}'"
    label, equals, rest = text.partition("=")
    label = " ".join(label.split())
    if not equals:
        _usage(f"{quoted}: write it {FIGURE_FORM}, e.g. \"fighters evacuated=1500-2000~\"")
    if not label:
        _usage(f"{quoted}: say what is counted before '=' (e.g. \"civilians evacuated=4000\")")
    numbers, at, source = rest.partition("@")
    match = re.fullmatch(
        r"\s*(~)?\s*(\d[\d,]*)\s*(?:[-–]\s*(\d[\d,]*))?\s*(~)?\s*([^\W\d_][\w -]*?)?\s*(~)?\s*", numbers
    )
    if match is None:
        _usage(f"{quoted}: after '=' give a number or a range LOW-HIGH, '~' if approximate, then a unit if "
               f"not people ({FIGURE_FORM})")
    before, low_text, high_text, after, unit, last = match.groups()
    low = int(low_text.replace(",", ""))
    high = int(high_text.replace(",", "")) if high_text else low
    if high < low:
        _usage(f"{quoted}: the high end ({high:,}) is below the low end ({low:,})")
    if at and not source.strip():
        _usage(f"{quoted}: give the figure's source after '@' (an id, or \"Publication, Title, URL\")")
    return {
        "label": label,
        "low": low,
        "high": high,
        "unit": " ".join(unit.split()) if unit else "people",
        "approximate": bool(before or after or last),
        "source": source.strip() or None,
    }


def _source_arg(store: Store, text: str, option: str) -> str:
    """``text`` if it is a source's id or free text a source can be made of; else exit 2."""
    from store.edits import EditError, source_fields

    if text.strip() and text.strip() not in store.sources:
        try:
            source_fields(text)
        except EditError as exc:
            _usage(f"{option}: {exc}")
    return text


def cmd_record_event(store: Store, args: argparse.Namespace, out: Any) -> int:
    from store.edits import ROLES, EditError

    places = list(dict.fromkeys(resolve_place(store, p).id for p in args.places))
    roles = list(dict.fromkeys([*ROLES, *(a.role for e in store.events.values() for a in e.actors)]))
    actors = [_actor_arg(store, a, roles) for a in args.actors or ()]
    figures = [_figure_arg(f) for f in args.figures or ()]
    for typed, figure in zip(args.figures or (), figures):
        if figure["source"]:
            _source_arg(store, figure["source"], f"--figure '{shown(typed, 60)}'")
    for source in args.sources:
        _source_arg(store, source, f"--source '{shown(source, 50)}'")
    precision = args.precision.strip().casefold() if args.precision else None
    if precision in _PRECISION_ORDER:
        _precision(args.date, precision)
        if args.to is not None:
            _precision(args.to, precision, "--to")
    fields = {
        "type": args.event_type.strip().casefold(),
        "title": args.title,
        "date": args.date.text,
        "date_to": args.to.text if args.to else None,
        "precision": precision,
        "places": places,
        "actors": actors,
        "figures": figures,
        "sources": args.sources,
        "confidence": args.confidence.strip().casefold(),
        "summary": args.summary,
    }
    try:
        change = store.add_event(fields)
    except EditError as exc:
        typed = {"actors": args.actors or (), "figures": args.figures or (), "sources": args.sources}
        raise _edit_error(exc, _EVENT_FIELDS, typed) from None
    return _done(store, args, out, change, "recorded")


def _nothing_to(what: str, store: Store) -> str:
    from store.storage import where

    if not store.log():
        return f"nothing to {what}: no change has been made to {where(store.path)} through frontlines"
    return f"nothing to {what} in {where(store.path)} (`frontlines log` lists its changes)"


def cmd_undo(store: Store, args: argparse.Namespace, out: Any) -> int:
    from store.edits import EditError

    if store.undo_target() is None:
        raise CliError(_nothing_to("undo", store))
    try:
        change = store.undo()
    except EditError as exc:  # a record it touched was changed since (by a merge, or by hand)
        raise CliError(str(exc)) from None
    return _done(store, args, out, change, "")


def cmd_redo(store: Store, args: argparse.Namespace, out: Any) -> int:
    from store.edits import EditError

    if store.redo_target() is None:
        raise CliError(_nothing_to("redo", store))
    try:
        change = store.redo()
    except EditError as exc:
        raise CliError(str(exc)) from None
    return _done(store, args, out, change, "")


def cmd_compact(store: Store, args: argparse.Namespace, out: Any) -> int:
    from store.storage import where

    waiting = store.pending_changes
    if not waiting:
        out.line(f"nothing to fold: {where(store.path)} already holds every change")
        return EXIT_OK
    store.compact()
    out.line(f"folded {waiting} change{'s' if waiting != 1 else ''} into {where(store.path)}")
    out.line(("  the log keeps them: " + where(store.history_file), "dim"))
    return EXIT_OK


def cmd_log(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.history import effective

    place = resolve_place(store, args.place, area=True) if args.place else None
    changes = store.log(since=args.since.first if args.since else None, place=place.id if place else None)
    if args.json:
        _emit_json([change.to_json() for change in changes])
        return EXIT_OK
    in_effect = {change.id for change in effective(store.log())[0]}
    out.log(store, changes, in_effect, filtered=bool(args.since or place))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


# --- export ----------------------------------------------------------------------------

EXPORT_FORMATS = ("geojson", "csv", "markdown")
EXPORT_EPILOG = """\
Fields of each place (GeoJSON properties, CSV columns, in this order):
  id, pcode, name, name_ar, level   the place
  parent, parent_name               the place it lies in
  lat, lon                          its point (GeoJSON: the geometry is the
                                    outline if it has one, else the point,
                                    else null)
  controller_id, controller, bloc   who held it on the day (bloc not-recorded,
                                    controller empty: nothing is recorded)
  status                            held, contested, besieged, truce, not-recorded
  since, since_precision, until     the days the situation lasted (precision:
                                    day, month or year; until empty: to the end
                                    of the data)
  confidence                        high, medium or low
  source_ids, sources               the sources' ids and citations (GeoJSON:
                                    lists; CSV: joined with " | ")
  as_of                             the day, YYYY-MM-DD
CSV cells starting with =, +, -, @, a tab or a carriage return get a leading '.
CSV lines end in CRLF (RFC 4180). For Excel, add --bom (see above)."""


def cmd_export(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    """``export geojson|csv|markdown``: the text built in store.exports, to
    standard output or atomically to ``-o FILE``; stderr says what was written."""
    from datetime import timedelta

    from store import exports
    from store.dates import DateError, add_months, day_in_data

    at: PartialDate | None = getattr(args, "at", None)
    if args.bom and args.format != "csv":
        why = "GeoJSON forbids one (RFC 7946)" if args.format == "geojson" else "a report is plain UTF-8"
        raise CliError(f"--bom: only `export csv` takes a byte-order mark (it is for Excel); {why}", EXIT_USAGE)
    if args.format != "markdown" and (args.since or args.until):
        flag = "--since" if args.since else "--until"
        raise CliError(f"{flag}: only `export markdown` takes a window; give the day with --at", EXIT_USAGE)
    if args.format == "markdown" and at is not None and args.until is not None:
        raise CliError("--at and --until both give the report's last day: use one of them", EXIT_USAGE)
    end = args.until if args.format == "markdown" and args.until is not None else at
    flag = "--until" if end is args.until and end is not None else "--at"
    if end is not None:
        try:
            day = day_in_data(end, store.span)
        except DateError as exc:
            raise CliError(f"{flag} {exc}", EXIT_USAGE) from None
    region = _root(store, args.place)
    places = len(store.units(region.id))
    if args.format == "geojson":
        text = exports.geojson_text(store, region.id, day)
        what = f"{places} place{'s' if places != 1 else ''} on {day.isoformat()}"
    elif args.format == "csv":
        text = exports.csv_text(store, region.id, day, bom=args.bom)
        what = f"{places} place{'s' if places != 1 else ''} on {day.isoformat()}"
    else:
        since = args.since.first if args.since else max(add_months(day, -1) + timedelta(days=1), store.span[0])
        if day < since:
            raise CliError(f"--since {args.since.text} is after the report's last day ({day.isoformat()})", EXIT_USAGE)
        text = exports.markdown_report(store, region.id, since, day)
        changes = len(store.changes_between(region.id, since, day))
        what = (f"a report on {shown(region.name)}, {since.isoformat()} to {day.isoformat()} "
                f"({changes} change{'s' if changes != 1 else ''} of control)")
    data = text.encode("utf-8")
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    _write_export(args.output, data)
    note = " (UTF-8 with a byte-order mark, for Excel)" if args.bom else ""
    say(f"wrote {what} to {shown(args.output, 200)}{note}")
    return EXIT_OK


def _write_export(target: str, data: bytes) -> None:
    """``data`` into ``target``, replaced atomically (a temp file beside it,
    fsync, rename): a failure leaves the old file, or none, never part of one."""
    import stat

    from store import StoreError
    from store.storage import atomic_write

    name = shown(target, 200)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise CliError(f"{name}: cannot write: {shown(exc.strerror or exc, 100)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise CliError(f"{name}: cannot write: it is {kind}; give a file name")
    try:
        atomic_write(target, data)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{name}: cannot write: {shown(exc.strerror or exc, 100)}") from None
