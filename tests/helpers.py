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
import numpy as np

from asr.audio import SAMPLE_RATE, decode_audio
from asr.types import Word

AUDIO = Path(__file__).parent / "fixtures" / "audio"


def speech_clips() -> list[Path]:
    """The committed speech clips that have a truth JSON beside them, in a fixed order."""
    return sorted(p for p in AUDIO.iterdir() if p.suffix != ".json" and p.with_suffix(".json").is_file())


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


def build_long_audio(min_seconds: float, seed: int = 7):
    """Concatenate the committed clips (decoded) in random order with varied gaps, some too short to cut at.

    Returns the samples, the shifted true words, and where each clip went: [(index into CLIPS, offset in s)].
    """
    rng = np.random.default_rng(seed)
    clips = [(decode_audio(c), load_truth(c.with_suffix(".json"))) for c in speech_clips()]
    parts, words, placements, t = [], [], [], 0.0
    while t < min_seconds:
        placements.append((int(rng.integers(len(clips))), t))
        samples, truth = clips[placements[-1][0]]
        gap = float(rng.choice([0.05, 0.15, 0.4, 1.0, 2.5]))
        parts += [samples, np.zeros(int(gap * SAMPLE_RATE), np.float32)]
        words += [Word(w["word"], w["start"] + t, w["end"] + t, 1.0) for w in truth["words"]]
        t += (samples.size + int(gap * SAMPLE_RATE)) / SAMPLE_RATE
    return np.concatenate(parts), words, placements


def check_invariants(transcript) -> None:
    """What every transcript (local or RunPod) guarantees: words in order, never empty, whole milliseconds, inside
    their segment; segments in order and not overlapping."""
    words = transcript.words
    assert all(a.start < b.start for a, b in zip(words, words[1:], strict=False)), "word starts not in order"
    assert all(w.start < w.end for w in words)
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    assert all(w.start == round(w.start, 3) and w.end == round(w.end, 3) for w in words), "times not whole ms"
    for s in transcript.segments:
        check_tokens(s)
        assert s.start == s.words[0].start and s.end == s.words[-1].end
        assert all(s.start <= w.start and w.end <= s.end for w in s.words)
    ends = [s.end for s in transcript.segments]
    starts = [s.start for s in transcript.segments]
    assert all(e <= s for e, s in zip(ends, starts[1:], strict=False)), "segments overlap"


def subtitle_rule_breaks(path_or_text: str | Path, preset) -> list[str]:
    """Every broken subtitle rule of an SRT/VTT file (read by pysubs2), one sentence each: more lines or
    characters than `preset` allows, a cue shorter or longer than allowed, read faster than its characters per
    second, closer to the next cue than its gap, or a line that ends on a preposition."""
    import pysubs2

    from asr.exports.subtitles import PREPOSITIONS

    text = Path(path_or_text).read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    events = pysubs2.SSAFile.from_string(text).events
    breaks = []
    for i, event in enumerate(events):
        lines = event.plaintext.split("\n")
        seconds = (event.end - event.start) / 1000
        name = f"cue {i + 1} at {event.start / 1000:.3f} s"
        if len(lines) > preset.max_lines or max(len(line) for line in lines) > preset.max_chars:
            breaks.append(f"{name}: {len(lines)} lines, longest {max(len(line) for line in lines)} characters")
        if not preset.min_duration - 0.001 <= seconds <= preset.max_duration + 0.001:
            breaks.append(f"{name}: lasts {seconds:.3f} s")
        if sum(len(line) for line in lines) / max(seconds, 0.001) > preset.max_cps + 0.01:
            breaks.append(f"{name}: {sum(len(line) for line in lines) / seconds:.1f} characters per second")
        if i + 1 < len(events) and (events[i + 1].start - event.end) / 1000 < preset.min_gap - 0.001:
            breaks.append(f"{name}: {(events[i + 1].start - event.end) / 1000:.3f} s before the next cue")
        if any(line.split()[-1].lower() in PREPOSITIONS for line in lines if line.split()):
            breaks.append(f"{name}: a line ends on a preposition: {lines}")
    return breaks

def check_tokens(segment) -> None:
    """A segment's display tokens cover its raw words in order, each once, and make up its text."""
    if not segment.tokens:
        assert segment.text == segment.raw_text
        return
    assert " ".join(t.text for t in segment.tokens) == segment.text
    assert segment.tokens[0].first == 0 and segment.tokens[-1].last == len(segment.words) - 1
    for a, b in zip(segment.tokens, segment.tokens[1:], strict=False):
        assert a.first <= a.last and b.first == a.last + 1, (a, b)
