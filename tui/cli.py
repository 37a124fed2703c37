"""The ``frontlines`` command: the explorer, and queries that print text or JSON.

Subcommands never import Textual (nor Rich when their output is piped),
and each imports only the modules it uses, so they start fast over SSH.
The explorer draws its first frame before the store, the widgets and the
screens are imported (see ``tui.app.load_ui``). Every problem is one line
on stderr starting ``frontlines:``; exit codes are 0 (fine), 1 (nothing
found, bad database, validation problems, no terminal for the explorer)
and 2 (the command line itself is wrong: bad date, ambiguous place,
unknown option).

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
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

from store.text import safe_message, shown

from .encoding import safe_stream

if TYPE_CHECKING:
    from store import Store
    from store.dates import PartialDate

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, naming what was wrong; the usage is one --help away."""
        # argparse quotes what was typed (an unknown option, a bad choice): clean it.
        say(f"{shown(message, 300)} (see `{shown(self.prog, 60)} --help`)")
        self.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)  # a _Parser: the subparsers (parser_class=_Parser) take it as a parent
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="database file (default: $FRONTLINES_DB, else your copy of the bundled data)")
    common.add_argument("--at", metavar="DATE", type=_date_arg, default=argparse.SUPPRESS,
                        help="as-of date: YYYY, YYYY-MM or YYYY-MM-DD (a month or year means its last day); "
                             "default: the last day of the data")
    common.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS,
                        help="no colour (also when NO_COLOR is set); glyphs carry the meaning")

    parser = _Parser(
        prog="frontlines",
        description="Who controlled what in Damascus Province, 2016-2018: an explorer and queries. "
                    "Run without a command to open the explorer.",
        parents=[common],
        epilog="Places can be given by P-code, id, English or Arabic name or any common spelling "
               "(Dumair, Dumayr, Dmeir, الضمير).",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, parents=[common])

    p = command("status", "who controlled a place at a date, since when, and on what evidence")
    p.add_argument("place", metavar="PLACE")
    p.add_argument("--json", action="store_true", help="print JSON (see README)")

    p = command("tree", "the hierarchy under a place with each controller")
    p.add_argument("place", metavar="PLACE", nargs="?")
    p.add_argument("--depth", metavar="N", type=_positive, default=None, help="levels below PLACE to show")
    p.add_argument("--json", action="store_true", help="print JSON (see README)")

    p = command("events", "events, oldest first (with those of places under --place)")
    p.add_argument("--place", metavar="PLACE")
    p.add_argument("--since", metavar="DATE", type=_date_arg)
    p.add_argument("--until", metavar="DATE", type=_date_arg)
    p.add_argument("--faction", metavar="FACTION", help="faction id or name (sub-factions included)")
    p.add_argument("--type", metavar="TYPE", action="append", dest="types",
                   help="event type (repeatable): offensive, agreement, evacuation, ...")
    p.add_argument("--json", action="store_true", help="print JSON (see README)")

    p = command("factions", "factions by bloc, with glyphs and colours")
    p.add_argument("--json", action="store_true", help="print JSON (see README)")

    p = command("history", "every control period of one place")
    p.add_argument("place", metavar="PLACE")
    p.add_argument("--json", action="store_true", help="print JSON (see README)")

    p = command("import", "add data from other formats to the database (one transaction per file)")
    kinds = p.add_subparsers(dest="import_kind", metavar="KIND", parser_class=_Parser, required=True)
    b = kinds.add_parser(
        "boundaries",
        parents=[common],
        help="admin units from a GeoJSON FeatureCollection (COD-AB by default)",
        description="Attach admin units (points, polygons, multipolygons) to the database's places by P-code "
                    "and create the missing ones under their parents. COD-AB property names work without "
                    "options. Nothing is written if any feature cannot be used; running it again changes nothing.",
    )
    b.add_argument("file", metavar="FILE.geojson")
    b.add_argument("--level", metavar="LEVEL", action=_LevelOption)
    b.add_argument("--dry-run", action="store_true", help="say what would change, write nothing")
    b.add_argument("--code-field", metavar="NAME", help="property holding the P-code (default: COD-AB's)")
    b.add_argument("--name-field", metavar="NAME", help="property holding the English name")
    b.add_argument("--name-ar-field", metavar="NAME", help="property holding the Arabic name")
    b.add_argument("--parent-field", metavar="NAME", help="property holding the parent's P-code")
    b.add_argument("--source", metavar="ID", help="id of the database's source record for the gazetteer; "
                                                  "every place the import creates or attaches to cites it")

    command("validate", "check the database: references, overlapping or inverted periods, sources")
    p = command("where", "print the path of the database that would be used")
    return parser


class _LevelOption(argparse.Action):
    """``--level``, stored as typed. Its help names the levels, read from the
    model only when the help is shown: parsing a command line does not import it."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)

    @property  # type: ignore[override]
    def help(self) -> str:
        from store.model import LEVELS

        return "level of every feature: " + ", ".join(LEVELS)

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # the help above is the only one


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except CliError as exc:
        say(str(exc))
        return exc.code
    except KeyboardInterrupt:
        return 130
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


def run(args: argparse.Namespace) -> int:
    from store.locate import choose_db

    if args.command is None:
        problem = explorer_problem()
        if problem:
            raise CliError(problem)
    try:
        path, created = choose_db(getattr(args, "db", None), create=args.command != "where")
    except Exception as exc:
        # Finding the database does not load the storage module (orjson,
        # TinyDB) unless it raises one of its errors: look the class up then.
        from store import StoreError

        if not isinstance(exc, StoreError):
            raise
        raise CliError(str(exc)) from None
    if created:
        say(created)
    if args.command == "where":
        out_stream = safe_stream(sys.stdout)
        out_stream.write(shown(path, 4096) + "\n")
        out_stream.flush()
        return EXIT_OK

    if args.command == "import":
        return cmd_import(path, args)

    at: PartialDate | None = getattr(args, "at", None)
    no_color = bool(getattr(args, "no_color", False)) or bool(os.environ.get("NO_COLOR"))
    if args.command is None:
        return _explorer(path, at, no_color, created)

    from store import Store, StoreError

    try:
        store = Store.open(path, readonly=True)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    for warning in store.warnings:
        say(f"warning: {warning}")

    day = at.last if at else store.span[1]

    from . import report

    out = report.Printer(no_color=no_color)
    handler = {
        "status": cmd_status,
        "tree": cmd_tree,
        "events": cmd_events,
        "factions": cmd_factions,
        "history": cmd_history,
        "validate": cmd_validate,
    }[args.command]
    try:
        return handler(store, args, day, out)
    finally:
        out.flush()


def _explorer(path: Any, at: PartialDate | None, no_color: bool, created: str | None) -> int:
    """The explorer: its screen comes up at once and the database opens
    behind it; if the database cannot be read, the same one-line error as
    the commands', after the screen is gone."""
    from tui.app import run_explorer

    def open_store() -> Store:  # in the explorer's worker thread, after its first frame
        from store import Store

        return Store.open(path, readonly=True)

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


def explorer_problem() -> str | None:
    """Why the full-screen explorer cannot run here, and what to do instead; None if it can."""
    instead = "for text output use a command such as `frontlines status PLACE` or `frontlines tree` (see --help)"
    streams = (("standard input", sys.stdin), ("standard output", sys.stdout), ("standard error", sys.stderr))
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


def resolve_place(store: Store, query: str) -> Any:
    resolution = store.resolve(query)
    if resolution.chosen is not None:
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
        roots = [resolve_place(store, args.place)]
    else:
        roots = store.roots()
    if args.json:
        from store.export import tree_json

        sys.stdout.buffer.write(tree_json(store, roots, day, args.depth))
        sys.stdout.flush()
    else:
        out.tree(store, roots, day, args.depth)
    return EXIT_OK


def cmd_events(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.export import event_dict
    from store.model import EVENT_TYPES

    place = resolve_place(store, args.place) if args.place else None
    faction_id = None
    if args.faction:
        faction = store.resolve_faction(args.faction)
        if faction is None:
            ids = sorted(store.factions)
            known = ", ".join(shown(i, 40) for i in ids[:30]) + (f" and {len(ids) - 30} more" if len(ids) > 30 else "")
            raise CliError(f"no faction matches '{shown(args.faction)}'; known ids: {known}", EXIT_FAIL)
        faction_id = faction.id
    for event_type in args.types or ():
        if event_type not in EVENT_TYPES:
            raise CliError(
                f"--type: unknown event type '{shown(event_type)}'; use one of: {', '.join(EVENT_TYPES)}", EXIT_USAGE
            )
    if args.since and args.until and args.until.last < args.since.first:
        raise CliError(f"--until {args.until.text} is before --since {args.since.text}", EXIT_USAGE)
    events = store.events_query(
        place=place.id if place else None,
        since=args.since.first if args.since else None,
        until=args.until.last if args.until else None,
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

    if args.json:
        _emit_json([faction_dict(faction) for faction, _ in store.walk_factions()])
    else:
        out.factions(store)
    return EXIT_OK


def cmd_history(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    from store.export import period_dict, region_dict

    region = resolve_place(store, args.place)
    periods = store.history(region.id)
    if args.json:
        _emit_json({"place": region_dict(region), "periods": [period_dict(store, p) for p in periods]})
        return EXIT_OK
    if not periods:
        children = store.units(region.id)
        raise CliError(
            f"{region.name} ({region.id}) has no control periods of its own; its status comes from "
            f"{len(children)} places under it: try `frontlines tree {region.id}`",
            EXIT_FAIL,
        )
    out.history(store, region, periods)
    return EXIT_OK


def cmd_import(path: Any, args: argparse.Namespace) -> int:
    """``import boundaries``: one atomic write, or nothing (see store.gazetteer)."""
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


def cmd_validate(store: Store, args: argparse.Namespace, day: date, out: Any) -> int:
    problems = store.validate()
    out.problems(store, problems)
    return EXIT_FAIL if problems else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
