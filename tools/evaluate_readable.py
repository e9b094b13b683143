"""Measure the readable-text stage on held-out ELTeC-slv novels (the test split of tools/eltec.py).

    nice -n 10 .venv/bin/python tools/evaluate_readable.py --corpus /work/corpora/ELTeC-slv

Each paragraph is made lowercase, punctuation-free and spelled out (numbers via num2words), then restored
with asr.text. Reported, beside a rules-only baseline: F1 of commas, full stops and questions after each raw
word (the last word of a passage is left out: it always ends a sentence), capitalisation accuracy of the
written words (and all-lowercase), number-restoration exact match, and the speed in words per second.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import eltec  # noqa: E402

from asr.text import punctuation, render  # noqa: E402
from asr.text.punctuation import COMMA, NONE, PERIOD, QUESTION  # noqa: E402

TEST_WORDS = 100_000
CLAUSE_WORDS = frozenset({"ki", "da", "ker", "ko", "če", "kjer", "kar", "ampak", "toda", "vendar", "čeprav",
                          "dokler", "saj", "kakor", "katerega", "kateri", "katera", "katere", "kamor", "kadar"})
QUESTION_WORDS = frozenset({"ali", "kaj", "kdo", "zakaj", "kje", "kako", "kam", "koliko", "kdaj", "čigav", "mar",
                            "kateri", "kakšen", "kakšna", "kakšno", "a"})


def rules_marks(words: list[str]) -> list[int]:
    """The baseline: a comma before a clause word, a full stop (or question) at the passage end only."""
    marks = [COMMA if i + 1 < len(words) and words[i + 1] in CLAUSE_WORDS else NONE for i in range(len(words))]
    marks[-1] = QUESTION if words[0] in QUESTION_WORDS else PERIOD
    return marks


class Score:
    def __init__(self):
        self.hit, self.said, self.want = Counter(), Counter(), Counter()
        self.case_ok = self.case_n = self.lower_ok = self.number_ok = self.number_n = self.false_digits = 0

    def marks(self, predicted: list[int], gold: list[int]) -> None:
        for p, g in zip(predicted[:-1], gold[:-1], strict=True):
            self.said[p] += 1
            self.want[g] += 1
            self.hit[p] += p == g

    def f1(self, c: int) -> float:
        return 2 * self.hit[c] / max(self.said[c] + self.want[c], 1)

    def tokens(self, shown: dict[int, str], gold: list[eltec.Gold]) -> None:
        """`shown`: the first raw word of each display token -> its text without the mark after it."""
        first = 0
        for g in gold:
            text = shown.get(first)
            if g.text.isalpha():
                self.case_n += 1
                self.case_ok += text is not None and text[:1].isupper() == g.text[:1].isupper()
                self.lower_ok += not g.text[:1].isupper()
                self.false_digits += text is not None and text[:1].isdigit()
            elif g.text[:1].isdigit():
                self.number_n += 1
                self.number_ok += text in (g.text, g.text + ".") if text is not None else False
            first += len(g.words)


def shown_texts(words: list[str], marks: list[int] | None) -> dict[int, str]:
    if marks is None:  # the rules baseline: words as they are, the passage's first capitalised
        return {i: (w[:1].upper() + w[1:] if i == 0 else w) for i, w in enumerate(words)}
    return {t.first: t.text.rstrip(",?") for t in render(words)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--words", type=int, default=TEST_WORDS)
    args = parser.parse_args(argv)
    model, ours, rules = punctuation.load(), Score(), Score()
    passages = list(eltec.passages(args.corpus, "test", args.words))
    seconds = 0.0
    for gold in passages:
        words, marks = eltec.raw_words(gold), eltec.word_marks(gold)
        predicted = model.predict(words)
        started = time.perf_counter()
        shown = shown_texts(words, predicted)
        seconds += time.perf_counter() - started
        ours.marks(predicted, marks)
        ours.tokens(shown, gold)
        rules.marks(rules_marks(words), marks)
        rules.tokens(shown_texts(words, None), gold)
    n = sum(len(eltec.raw_words(g)) for g in passages)
    print(f"held-out ELTeC-slv test split: {len(passages)} paragraphs, {n} raw words")
    print(f"{'':28}{'asr.text':>10}{'rules only':>12}")
    for name, c in (("comma F1", COMMA), ("full stop F1", PERIOD), ("question F1", QUESTION)):
        print(f"{name:28}{ours.f1(c):10.3f}{rules.f1(c):12.3f}")
    print(f"{'capitals accuracy':28}{ours.case_ok / ours.case_n:10.3f}{rules.case_ok / rules.case_n:12.3f}"
          f"   (all lowercase: {ours.lower_ok / ours.case_n:.3f}, {ours.case_n} words)")
    print(f"{'numbers exact match':28}{ours.number_ok / max(ours.number_n, 1):10.3f}"
          f"{rules.number_ok / max(rules.number_n, 1):12.3f}   ({ours.number_n} numbers; words as digits: "
          f"{ours.false_digits})")
    print(f"speed: {n / seconds:,.0f} words/s ({1000 * seconds / n * 1000:.0f} ms per 1000 words, "
          "render with punctuation, numbers and capitals)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
