"""Cleaning of stored and imported text.

Every string that enters or leaves the store goes through :func:`clean_text`:
C0/C1 control characters and bidirectional override/isolate characters are
removed, so a name can never move the terminal cursor, change colours, set a
hyperlink or reorder the text around it.
"""

from __future__ import annotations

import re
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
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: clean_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    return value


# Every match of _JSON_SUSPECT starts with one of these bytes. Finding them
# (memchr) and trying the pattern only there is much faster than running the
# regex over a large file, even one with many curly quotes or dashes.
_LEAD_BYTES = (b"\\", b"\x7f", b"\xc2", b"\xe2")


def json_needs_cleaning(raw: bytes) -> bool:
    """True if serialized JSON may hold a character :func:`clean_text` removes."""
    match = _JSON_SUSPECT.match
    for lead in _LEAD_BYTES:
        position = raw.find(lead)
        while position >= 0:
            if match(raw, position):
                return True
            # An escaped backslash (\\) is two bytes: skip both, so its second
            # half is not read as the start of an escape.
            step = 2 if lead == b"\\" and raw[position + 1 : position + 2] == b"\\" else 1
            position = raw.find(lead, position + step)
    return False
