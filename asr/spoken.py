"""Spoken forms of a display text: what the model can spell, word by word, for forced alignment (asr.align).

The reviewer's text keeps its form (capitals, punctuation, digits) for display; the alignment needs the words as
they are said, in the letters the model knows: lowercase, punctuation dropped, digits and symbols spelled out in
Slovenian (num2words, lang='sl'), letters outside the model's alphabet replaced by the nearest ones it has
(w -> v, ć -> č, é -> e) or dropped. Each whitespace token of the display text keeps the list of spoken words it
became, so the aligned words map back to it (asr.types.Token).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

SYMBOLS = {  # said in Slovenian where they stand alone or next to a number
    "%": "odstotkov", "‰": "promilov", "&": "in", "+": "plus", "=": "je", "€": "evrov", "$": "dolarjev",
    "£": "funtov", "°": "stopinj", "@": "afna", "§": "člen", "#": "številka",
}
SUBSTITUTES = {  # letters a Slovenian model may lack, by how they are said
    "q": "k", "w": "v", "x": "ks", "y": "i", "ć": "č", "đ": "dž", "ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe",
}
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 10.000 in Slovenian is ten thousand
APOSTROPHES = "'’ʼ"


@dataclass(frozen=True)
class SpokenToken:
    """One whitespace token of the display text and the spoken words it is said as (possibly none: "–")."""

    text: str
    words: tuple[str, ...]


def spoken_tokens(text: str, alphabet: Collection[str]) -> list[SpokenToken]:
    """Each whitespace token of ``text`` with its spoken words, spelled only with letters of ``alphabet``."""
    tokens = text.split()
    return [SpokenToken(tok, tuple(_spoken(tok, _next_is_lower(tokens, i), alphabet)))
            for i, tok in enumerate(tokens)]


def _next_is_lower(tokens: list[str], i: int) -> bool:
    """The next token starts with a lowercase letter: a number before it that ends in '.' is an ordinal (5. maja)."""
    return i + 1 < len(tokens) and tokens[i + 1][:1].islower()


def _spoken(token: str, ordinal_dot: bool, alphabet: Collection[str]) -> list[str]:
    """The spoken words of one display token."""
    words: list[str] = []
    pos = 0
    for match in NUMBER.finditer(token):
        words += _letters(token[pos : match.start()], alphabet)
        ordinal = ordinal_dot and token[match.end() :] == "."
        words += number_words(match.group(), ordinal)
        pos = match.end()
    words += _letters(token[pos:], alphabet)
    return [w for w in (_spelled(w, alphabet) for w in words) if w]


def number_words(number: str, ordinal: bool = False) -> list[str]:
    """A number as written in Slovenian text (1999, 10.000, 3,5, 5. as an ordinal) in words."""
    from num2words import num2words

    if THOUSANDS.fullmatch(number):
        number = number.replace(".", "")
    whole, _, fraction = number.replace(".", ",").partition(",")
    if fraction and "," not in fraction:
        value = Decimal(f"{int(whole)}.{fraction}")
        return num2words(value, lang="sl").split()
    parts = [p for p in number.replace(".", ",").split(",") if p]  # a date or a list: 1.5.2024, 1,2,3
    said = [num2words(int(p), lang="sl", to="ordinal" if ordinal else "cardinal") for p in parts]
    return " ".join(said).split()


def _letters(part: str, alphabet: Collection[str]) -> list[str]:
    """Words of a part of a token without digits: symbols said, other non-letters split words."""
    words, current = [], []
    for ch in part.lower():
        if ch.isalpha():
            current.append(ch)
        elif ch in APOSTROPHES:
            continue  # o'neil -> oneil
        else:
            if current:
                words.append("".join(current))
            current = []
            if ch in SYMBOLS:
                words += SYMBOLS[ch].split()
    if current:
        words.append("".join(current))
    return words


def _spelled(word: str, alphabet: Collection[str]) -> str:
    """``word`` in letters of ``alphabet``: substitutes, then accents stripped, then anything else dropped."""
    out = []
    for ch in word:
        if ch in alphabet:
            out.append(ch)
        elif ch in SUBSTITUTES:
            out.append("".join(c for c in SUBSTITUTES[ch] if c in alphabet))
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            out.append(base if base in alphabet else "")
    return "".join(out)
