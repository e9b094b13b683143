"""ELTeC-slv (Slovenian novels, TEI, CC BY 4.0) as passages of gold tokens for the readable-text stage.

Each paragraph becomes a list of `Gold` tokens: the written token (capitals, digits) without its
punctuation, the mark after it (none, comma, full stop, question) and the raw words a recogniser would
hear for it (lowercase, numbers spelled out with num2words). The novels are split by file, never by
paragraph: every 10th novel (sorted by id) is the test split, the one after it the dev split.

Get the corpus (kept out of git): `git clone https://github.com/COST-ELTeC/ELTeC-slv /work/corpora/ELTeC-slv`
(only level1/*.xml is read).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from num2words import num2words

from asr.text.numbers import lexicon, months, ordinal_stem
from asr.text.punctuation import COMMA, NONE, PERIOD, QUESTION

TEI = "{http://www.tei-c.org/ns/1.0}"
SPLITS = ("train", "dev", "test")
CARON = "\u030c"  # kept: č, š, ž are letters of their own; other accents of the old orthography are dropped
TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:,\d+)?\.?|[^\W\d_]+|[^\w\s]")  # 23.063: one number
GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
MARK_CLASS = {",": COMMA, ";": COMMA, ":": COMMA, ".": PERIOD, "!": PERIOD, "…": PERIOD, "?": QUESTION}
MAX_NUMBER = 10**9  # larger digit strings are skipped (phone numbers, ids)


@dataclass(frozen=True)
class Gold:
    text: str  # as written, without the punctuation after it ("Ljubljani", "1763.", "5")
    mark: int  # NONE, COMMA, PERIOD or QUESTION after it
    words: tuple[str, ...]  # what is said: lowercase, numbers spelled out
    sentence_start: bool  # the first token of a sentence


def split_of(index: int) -> str:
    return {0: "test", 1: "dev"}.get(index % 10, "train")


def novels(corpus: Path, split: str) -> list[Path]:
    files = sorted((corpus / "level1").glob("*.xml"))
    return [f for i, f in enumerate(files) if split_of(i) == split]


def plain(text: str) -> str:
    """Old accents dropped (možá -> moža), č/š/ž kept."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c == CARON)
    return unicodedata.normalize("NFC", kept)


def spell(number: str, next_word: str) -> tuple[str, ...] | None:
    """'1890' -> cardinal words; '1763.' before a small letter -> ordinal words (genitive before a month)."""
    if GROUPED.fullmatch(number):
        number = number.replace(".", "")
    ordinal = number.endswith(".")
    digits = number.rstrip(".")
    if "," in digits or int(digits) >= MAX_NUMBER:
        return None
    words = num2words(int(digits), lang="sl").split()
    if ordinal:
        last = lexicon()[words[-1]]
        ending = "ega" if next_word.lower() in months() else "i"
        words[-1] = ordinal_stem(last.value, words[-1]) + ending
    return tuple(words)


def passage(text: str) -> list[Gold]:
    """One paragraph as gold tokens (empty when it holds a number this corpus reader does not spell)."""
    raw = TOKEN.findall(plain(text))
    gold: list[Gold] = []
    start = True
    for k, tok in enumerate(raw):
        if tok in MARK_CLASS:
            if gold:
                gold[-1] = Gold(gold[-1].text, max(gold[-1].mark, MARK_CLASS[tok]), gold[-1].words,
                                gold[-1].sentence_start)
                start = start or MARK_CLASS[tok] in (PERIOD, QUESTION)
            continue
        if not (tok[0].isalnum()):
            continue
        following = next((t for t in raw[k + 1:] if t[0].isalpha()), "")
        text, mark = tok, NONE
        if tok[0].isdigit():
            if tok.endswith(".") and not following[:1].islower():
                text, mark = tok[:-1], PERIOD  # a full stop after a cardinal, not an ordinal
            words = spell(text, following)
            if words is None:
                return []
        else:
            words = (tok.lower(),)
        gold.append(Gold(text, mark, words, start))
        start = mark in (PERIOD, QUESTION)
    return gold


def passages(corpus: Path, split: str, max_words: int | None = None) -> Iterator[list[Gold]]:
    """The paragraphs of a split, in file order, until `max_words` raw words were given."""
    given = 0
    for path in novels(corpus, split):
        body = etree.parse(str(path)).getroot().find(f".//{TEI}body")
        for p in body.iter(f"{TEI}p"):
            gold = passage("".join(p.itertext()))
            if len(gold) < 2:
                continue
            yield gold
            given += sum(len(g.words) for g in gold)
            if max_words is not None and given >= max_words:
                return


def raw_words(gold: list[Gold]) -> list[str]:
    return [w for g in gold for w in g.words]


def word_marks(gold: list[Gold]) -> list[int]:
    """The mark after each raw word: a token's mark goes after its last word."""
    return [g.mark if k == len(g.words) - 1 else NONE for g in gold for k in range(len(g.words))]
