"""Cleaning of stored and imported text.

Every string that enters or leaves the store goes through :func:`clean_text`:
C0/C1 control characters and bidirectional override/isolate characters are
removed, so a name can never move the terminal cursor, change colours, set a
hyperlink or reorder the text around it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# Tab, newline and carriage return become a space (words stay apart);
# every other C0 control, DEL and the C1 block are dropped.
_WHITESPACE_CONTROLS = {ord("\t"): " ", ord("\n"): " ", ord("\r"): " "}
_DROPPED = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
# Bidi embedding/override (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI).
_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]

_TABLE: dict[int, str | None] = {cp: None for cp in (*_DROPPED, *_BIDI)}
_TABLE.update(_WHITESPACE_CONTROLS)

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# What any of the characters above looks like inside serialized JSON (UTF-8):
# an escape (\n, \t, \u001b, \u202e ...), a raw DEL, a raw C1 character or
# a raw bidi character. A false positive only costs a slow path; a miss is
# impossible because JSON cannot carry a raw C0 control inside a string (DEL
# is not a C0 control: JSON and orjson leave it raw).
_JSON_SUSPECT = re.compile(
    rb"\\[bfnrt]|\\u00[01][0-9a-fA-F]|\\u007[fF]|\\u00[89][0-9a-fA-F]|\x7f"
    rb"|\\u202[a-eA-E]|\\u206[6-9]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)


def clean_text(value: str) -> str:
    """Return ``value`` without control or bidi-override characters."""
    if _UNSAFE.search(value) is None:
        return value
    return value.translate(_TABLE)


def clean_value(value: Any) -> Any:
    """Clean every string (not keys) inside a JSON-like value, recursively."""
    return map_strings(clean_text, value)


def map_strings(function: Callable[[str], str], value: Any) -> Any:
    """A new JSON-like value with ``function`` applied to every string in it (not keys)."""
    if isinstance(value, str):
        return function(value)
    if isinstance(value, dict):
        return {key: map_strings(function, item) for key, item in value.items()}
    if isinstance(value, list):
        return [map_strings(function, item) for item in value]
    return value


# Every match of _JSON_SUSPECT starts with one of these bytes. Finding them
# (memchr) and trying the pattern only there is much faster than running the
# regex over a large file, even one with many curly quotes or dashes.
_LEAD_BYTES = (b"\\", b"\x7f", b"\xc2", b"\xe2")


def json_needs_cleaning(raw: bytes) -> bool:
    """True if serialized JSON may hold a character :func:`clean_text` removes."""
    return _scan(raw, _JSON_SUSPECT, _LEAD_BYTES)


def _scan(raw: bytes, pattern: re.Pattern[bytes], leads: tuple[bytes, ...]) -> bool:
    match = pattern.match
    for lead in leads:
        if len(lead) > 1:
            # Found by its last byte (one memchr), then checked whole: searching
            # for two bytes whose first is common (an Arabic letter's) is slow.
            back, last = len(lead) - 1, lead[-1:]
            position = raw.find(last, back)
            while position >= 0:
                if raw.startswith(lead, position - back) and match(raw, position - back):
                    return True
                position = raw.find(last, position + 1)
            continue
        position = raw.find(lead)
        while position >= 0:
            if match(raw, position):
                return True
            # An escaped backslash (\\) is two bytes: skip both, so its second
            # half is not read as the start of an escape.
            step = 2 if lead == b"\\" and raw[position + 1 : position + 2] == b"\\" else 1
            position = raw.find(lead, position + step)
    return False


# --- text as the terminal will measure it -------------------------------------
#
# Rich pads and truncates by ``cell_len``; terminals disagree with it about a
# few invisible characters: zero-width spaces and joiners, soft hyphens,
# variation selectors, emoji skin-tone modifiers and tag characters, and the
# bidi marks (LRM, RLM, ALM) that only matter to a renderer that reorders
# text, which Textual does not. A zero-width joiner turns two emoji into one
# glyph in some terminals and leaves them two in others. What the two cannot
# agree on is dropped from the text that is *shown* (the file keeps it);
# combining marks are composed with their base letter where Unicode can.

_UNMEASURABLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufe00-\ufe0f\ufeff"
    "\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# The same characters as they appear in serialized JSON: raw UTF-8, or a
# \\u escape (any escape of a character beyond ASCII counts: a false positive
# only costs a slow path).
_JSON_DISPLAY_SUSPECT = re.compile(
    rb"\xc2\xad|\xd8\x9c|\xe1\xa0\x8e|\xe2\x80[\x8b-\x8f]|\xe2\x81[\xa0-\xa4]|\xef\xb8[\x80-\x8f\xa0-\xaf]"
    rb"|\xef\xbb\xbf|\xf0\x9f\x8f[\xbb-\xbf]|\xf3\xa0[\x80-\x87]|[\xcc\xcd][\x80-\xbf]|\xe1\xaa[\xb0-\xbf]"
    rb"|\xe1\xab|\xe1\xb7|\xe2\x83[\x90-\xbf]|\\u(?!00[0-7])[0-9a-fA-F]{4}"
)
_DISPLAY_LEADS = (b"\\", b"\xc2", b"\xd8\x9c", b"\xe1", b"\xe2", b"\xef", b"\xf0", b"\xf3", b"\xcc", b"\xcd")


def display_text(value: str) -> str:
    """``value`` as it can be measured: composed (NFC), invisible characters dropped."""
    if _UNMEASURABLE.search(value) is not None:
        value = _UNMEASURABLE.sub("", value)
    if _COMBINING.search(value) is not None:
        import unicodedata

        value = unicodedata.normalize("NFC", value)
    return value


def display_value(value: Any) -> Any:
    """:func:`display_text` on every string inside a JSON-like value (a new value)."""
    return map_strings(display_text, value)


def json_needs_display(raw: bytes) -> bool:
    """True if serialized JSON may hold a character :func:`display_text` changes.

    May say True for nothing (a ``\\u`` escape of an ordinary letter); never
    says False when something would change.
    """
    return _scan(raw, _JSON_DISPLAY_SUSPECT, _DISPLAY_LEADS)


# --- quoting outside text in messages -----------------------------------------

_SPACES = re.compile(r"\s+")


def shown(value: object, limit: int = 60) -> str:
    """``value`` fit to quote in a one-line message to the terminal.

    Anything read from a file, an argument or the environment goes through
    here before it is printed: control and bidi characters removed (as for
    stored text), invisible ones dropped, runs of white space folded to one
    space, and the result cut to ``limit`` characters with an ellipsis.
    """
    text = display_text(clean_text(str(value)))
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: max(1, limit - 1)].rstrip() + "…"
    return text


def safe_message(message: str) -> str:
    """A whole message made safe for the terminal, its line breaks kept.

    The last line of defence at the CLI's and explorer's edges: every line is
    cleaned of control, bidi and invisible characters (not shortened: the
    parts of a message are shortened where they are quoted, by :func:`shown`).
    """
    return "\n".join(display_text(clean_text(line)) for line in str(message).split("\n"))
