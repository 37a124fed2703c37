"""Output for terminals and pipes that cannot take every character.

A field laptop may run with ``LANG=en_US.ISO-8859-1``, or a script may set
``PYTHONIOENCODING=ascii``. Printing a bloc glyph (■) or an Arabic name
there raises ``UnicodeEncodeError``. :class:`FallbackWriter` wraps such a
stream and rewrites only what the encoding cannot carry:

* glyphs and typographic marks become ASCII look-alikes, one character for
  one, so columns stay aligned and the legend still matches the rows
  (■ ``#``, ▲ ``^``, ◆ ``*``, ● ``o``, ✚ ``+``, ◧ ``%``, ○ ``?`` for not recorded);
* Arabic is transliterated letter by letter (الضمير -> ``aldmyr``), always
  beside the Latin name it accompanies;
* accented Latin letters lose their accents (Dumaïr -> ``Dumair``);
* anything else becomes ``?``.

On a UTF-8 stream nothing is wrapped and nothing changes.
"""

from __future__ import annotations

import codecs
import io
import unicodedata
from typing import TextIO

GLYPHS = {
    "■": "#",
    "▲": "^",
    "◆": "*",
    "●": "o",
    "✚": "+",
    "◧": "%",
    "·": ".",
    "○": "?",
    "×": "x",
    "⊗": "@",
    "≈": "~",
    "•": "*",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "~",
    "→": ">",
    "←": "<",
    "›": ">",
    "‹": "<",
    "─": "-",
    "│": "|",
    "░": ".",
    "▒": ":",
    "▓": "#",
    "█": "#",
    "\u00a0": " ",
}

ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j",
    "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s",
    "ض": "d", "ط": "t", "ظ": "z", "ع": "'", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l",
    "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y", "ى": "a", "ة": "a", "ء": "'", "ؤ": "'",
    "ئ": "'", "ـ": "", "،": ",", "؛": ";", "؟": "?",
    **{chr(0x0660 + i): str(i) for i in range(10)},
}


def is_unicode(encoding: str | None) -> bool:
    """True for UTF-8, UTF-16 and UTF-32 (any spelling); False for anything else."""
    if not encoding:
        return False
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith("utf")


class Transliterator:
    """Rewrites text into what ``encoding`` can carry (see the module doc)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._cache: dict[str, str] = {}

    def _fits(self, ch: str) -> bool:
        try:
            ch.encode(self.encoding)
        except (UnicodeEncodeError, LookupError):
            return False
        return True

    def char(self, ch: str) -> str:
        cached = self._cache.get(ch)
        if cached is not None:
            return cached
        if self._fits(ch):
            out = ch
        elif ch in GLYPHS and self._fits(GLYPHS[ch]):
            out = GLYPHS[ch]
        elif ch in ARABIC:
            out = ARABIC[ch]
        elif unicodedata.category(ch) == "Mn":  # a vowel mark or accent on its own
            out = ""
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out = base if base and all(self._fits(c) for c in base) else "?"
        self._cache[ch] = out
        return out

    def __call__(self, text: str) -> str:
        try:
            text.encode(self.encoding)
            return text
        except (UnicodeEncodeError, LookupError):
            return "".join(self.char(ch) for ch in text)


class FallbackWriter(io.TextIOBase):
    """A text stream that passes everything through a :class:`Transliterator`."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.transliterate = Transliterator(stream.encoding or "ascii")

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.stream.encoding or "ascii"

    def write(self, text: str) -> int:  # type: ignore[override]
        self.stream.write(self.transliterate(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def writable(self) -> bool:
        return True


def safe_stream(stream: TextIO) -> TextIO:
    """``stream`` itself if it takes any character, else a :class:`FallbackWriter` on it."""
    if is_unicode(getattr(stream, "encoding", None)):
        return stream
    return FallbackWriter(stream)  # type: ignore[return-value]
