"""store.text: control and bidi characters never survive, other text is untouched."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.text import clean_text, clean_value, json_needs_cleaning

C0_DROPPED = [chr(c) for c in range(0x00, 0x20) if chr(c) not in "\t\n\r"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
REMOVED = [*C0_DROPPED, "\x7f", *C1, *BIDI]


@pytest.mark.parametrize("ch", REMOVED, ids=lambda ch: f"U+{ord(ch):04X}")
def test_control_and_bidi_characters_are_removed(ch: str) -> None:
    assert clean_text(f"Dum{ch}air") == "Dumair"
    assert clean_text(ch * 3) == ""


@pytest.mark.parametrize("ch", ["\t", "\n", "\r"], ids=["tab", "newline", "cr"])
def test_tab_newline_cr_become_a_space(ch: str) -> None:
    assert clean_text(f"Beit{ch}Sahm") == "Beit Sahm"


def test_mixed_hostile_string() -> None:
    hostile = "\x1b[31mRed\x1b[0m\x1b]8;;http://x\x07link\x1b]8;;\x07 \u202eevil\u202c\u2067iso\u2069"
    assert clean_text(hostile) == "[31mRed[0m]8;;http://xlink]8;; eviliso"


@pytest.mark.parametrize(
    "text",
    [
        "Dumair",
        "al-Dumayr (Dmeir)",
        "الضمير",
        "الضُّمَيْر",  # Arabic with tashkeel
        "Dumaïr – “quoted” ■▲◆",
        "[/] [link=x] [@click=app.quit]",  # markup-looking text is not ours to touch
        "",
    ],
)
def test_normal_text_is_unchanged(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    "ch",
    ["\u00a0", "\u200d", "\u200f", "\u2029", "\u202f", "\u2065", "\u206a", "\u0600"],
    ids=lambda ch: f"U+{ord(ch):04X}",
)
def test_neighbours_of_the_removed_ranges_are_kept(ch: str) -> None:
    # NBSP follows C1, U+202F follows the overrides, U+206A follows the isolates;
    # ZWJ and RLM are needed by Arabic text and are not overrides.
    assert clean_text(f"a{ch}b") == f"a{ch}b"


def test_clean_value_recurses_into_values_not_keys() -> None:
    value = {
        "na\x1bme": "Dum\x1bair",
        "alt_names": ["Dmeir\u202e", ["nested\tlist"]],
        "inner": {"note": "a\nb"},
        "lat": 33.6,
        "count": 3,
        "flag": True,
        "none": None,
    }
    assert clean_value(value) == {
        "na\x1bme": "Dumair",
        "alt_names": ["Dmeir", ["nested list"]],
        "inner": {"note": "a b"},
        "lat": 33.6,
        "count": 3,
        "flag": True,
        "none": None,
    }


@pytest.mark.parametrize("ch", [*REMOVED, "\t", "\n", "\r"], ids=lambda ch: f"U+{ord(ch):04X}")
def test_json_needs_cleaning_sees_every_removed_character(ch: str) -> None:
    assert json_needs_cleaning(orjson.dumps({"name": f"x{ch}y"}))


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"a": "\u001B"}',  # upper-case escape, as other writers produce
        rb'{"a": "\u007F"}',
        rb'{"a": "\u0085"}',
        rb'{"a": "\u202E"}',
        rb'{"a": "\u2066"}',
        b'{"a": "\x7f"}',  # raw DEL is legal JSON
    ],
)
def test_json_needs_cleaning_sees_hand_written_json(raw: bytes) -> None:
    assert json_needs_cleaning(raw)


def test_json_needs_cleaning_is_false_for_clean_json() -> None:
    raw = orjson.dumps({"name": "Dumair", "name_ar": "الضمير", "alt": ["[/]", "Dumaïr"]})
    assert not json_needs_cleaning(raw)


_interesting = st.sampled_from([*REMOVED, "\t", "\n", "\r", "\\", '"', "a", "ض", "\u00a0", "\u202f"])
# Surrogates excluded: they cannot be encoded as UTF-8, so no JSON file holds them.
_strings = st.text(alphabet=st.one_of(_interesting, st.characters(exclude_categories=("Cs",))), max_size=20)


@settings(max_examples=500)
@given(st.dictionaries(_strings, st.one_of(_strings, st.lists(_strings, max_size=3)), max_size=5))
def test_json_needs_cleaning_never_misses(data: dict) -> None:
    strings = [*data, *(s for v in data.values() for s in ([v] if isinstance(v, str) else v))]
    raw = orjson.dumps(data)
    if any(clean_text(s) != s for s in strings):
        assert json_needs_cleaning(raw)
    else:
        # Nothing to remove: cleaning must be a no-op, whatever the fast check said.
        assert clean_value(data) == data


@given(_strings)
def test_clean_text_is_idempotent_and_leaves_nothing_unsafe(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert not set(once) & set(REMOVED)
    assert not set(once) & {"\t", "\n", "\r"}
