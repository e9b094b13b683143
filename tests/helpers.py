"""Test helpers: WER and word-timing errors against the truth JSON of the speech fixtures.

Truth files (``tests/fixtures/audio/NAME.json`` beside ``NAME.EXT``) look like
``{"text": "...", "words": [{"word": "...", "start": s, "end": s}, ...]}`` with times in seconds.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jiwer


def load_truth(path: str | Path) -> dict[str, Any]:
    """Read a truth JSON (``{"text", "words": [{"word", "start", "end"}]}``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def wer(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """Word error rate (jiwer) of one hypothesis, or corpus WER of parallel lists of sentences."""
    if isinstance(reference, str):
        reference, hypothesis = [reference], [hypothesis]
    pairs = [(r, h) for r, h in zip(reference, hypothesis, strict=True) if r.strip()]
    if not pairs:
        return 0.0 if not any(h.strip() for h in hypothesis) else 1.0
    refs = [r for r, _ in pairs]
    hyps = [h if h.strip() else "<empty>" for _, h in pairs]  # jiwer rejects empty hypotheses in some versions
    return float(jiwer.wer(refs, hyps))


def _fields(word: Any) -> tuple[str, float, float]:
    """(word, start, end) of a dict or an object with .word/.start/.end (e.g. asr.types.Word)."""
    if isinstance(word, dict):
        return str(word["word"]), float(word["start"]), float(word["end"])
    return str(word.word), float(word.start), float(word.end)


def matched_words(truth_words: Iterable[Any], hyp_words: Iterable[Any]) -> list[tuple[tuple, tuple]]:
    """Align the word strings (difflib); return the (truth, hyp) pairs of words that match exactly.

    Each side is ``(word, start, end)``.
    """
    truth = [_fields(w) for w in truth_words]
    hyp = [_fields(w) for w in hyp_words]
    matcher = difflib.SequenceMatcher(a=[w for w, _, _ in truth], b=[w for w, _, _ in hyp], autojunk=False)
    return [(truth[b.a + k], hyp[b.b + k]) for b in matcher.get_matching_blocks() for k in range(b.size)]


def word_time_errors(truth_words: Iterable[Any], hyp_words: Iterable[Any]) -> tuple[float, float, int]:
    """Compare the times of the words that match exactly (:func:`matched_words`).

    Returns (mean |start error|, mean |end error|, n_matched), errors in seconds; NaN errors when nothing matched.
    """
    pairs = matched_words(truth_words, hyp_words)
    if not pairs:
        return math.nan, math.nan, 0
    start = sum(abs(t[1] - h[1]) for t, h in pairs) / len(pairs)
    end = sum(abs(t[2] - h[2]) for t, h in pairs) / len(pairs)
    return start, end, len(pairs)



def check_tokens(segment) -> None:
    """A segment's display tokens cover its raw words in order, each once, and make up its text."""
    if not segment.tokens:
        assert segment.text == segment.raw_text
        return
    assert " ".join(t.text for t in segment.tokens) == segment.text
    assert segment.tokens[0].first == 0 and segment.tokens[-1].last == len(segment.words) - 1
    for a, b in zip(segment.tokens, segment.tokens[1:], strict=False):
        assert a.first <= a.last and b.first == a.last + 1, (a, b)
