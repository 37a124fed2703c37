"""Transliteration-tolerant place-name matching.

Arabic place names reach English in many spellings: Dumair, Dumayr, Dmeir,
al-Dumayr, Dhameer. Two keys make them meet:

* :func:`fold` — the *exact* key: lower case, no diacritics or apostrophes,
  no article (al-, el-, ad-, ar-, ...), no spaces or hyphens; Arabic script
  with its letter variants and vowel marks normalised and ال removed.
* :func:`skeleton` — the *loose* key: the folded Latin key with common
  digraph variants merged (dh/d, th/t, kh/k, ou/u, q/k ...), a final
  ta-marbuta h dropped, doubled letters collapsed, then vowels and y removed.
  "dmeir", "dumayr" and "dhameer" all become "dmr".
"""

from __future__ import annotations

import re
import unicodedata

# Latin articles as they are transliterated, sun-letter assimilations included.
_ARTICLES = ("al", "el", "ad", "ar", "as", "at", "az", "an", "ash", "ath", "adh", "ed", "er", "es", "et", "ez", "en")
_ARTICLE_RE = re.compile(r"(?:(?<=\s)|^)(?:" + "|".join(sorted(set(_ARTICLES), key=len, reverse=True)) + r")[-\s]+(?=\w)")
_ARTICLE_APOSTROPHE = re.compile(r"\b(al|el)['’‘`ʿ]")
_APOSTROPHES = str.maketrans("", "", "'’‘`ʿʾ´\"")
_SEPARATORS = re.compile(r"[\s\-_.,/()]+")

# Arabic: drop vowel marks and tatweel, merge letter variants.
_AR_DROP = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640], None)
_AR_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"})
_AR_ARTICLE = re.compile(r"(?:(?<=\s)|^)ال(?=\S{2,})")
_ARABIC = re.compile(r"[\u0600-\u06ff]")

_DIGRAPHS = (
    ("sch", "s"),
    ("dh", "d"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("sh", "s"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("q", "k"),
    ("c", "k"),
    ("j", "g"),
    ("z", "s"),
)
_FINAL_H = re.compile(r"(?<=[aeiouy])h$")
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")


def is_arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


def fold(text: str) -> str:
    """The exact matching key of a name (see module doc)."""
    if is_arabic(text):
        text = text.translate(_AR_DROP).translate(_AR_MAP)
        text = _AR_ARTICLE.sub("", text)
        return _SEPARATORS.sub("", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _ARTICLE_APOSTROPHE.sub(r"\1-", text.casefold())
    text = text.translate(_APOSTROPHES)
    text = _SEPARATORS.sub(" ", text).strip()
    text = _ARTICLE_RE.sub("", text)
    return text.replace(" ", "")


def skeleton(folded: str) -> str:
    """The loose key of an already folded Latin name; '' for Arabic."""
    if not folded or is_arabic(folded):
        return ""
    text = folded
    for old, new in _DIGRAPHS:
        text = text.replace(old, new)
    text = _DOUBLES.sub(r"\1", text)
    text = _FINAL_H.sub("", text)
    return _VOWELS.sub("", text)

