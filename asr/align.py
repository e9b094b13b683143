"""Forced alignment: give a known text (a reviewer's edit, a whole script) the times at which it is said.

The model's CTC log-posteriors of the audio (Engine.log_probs, with context around the span) are aligned to the
text's tokens by one Viterbi pass (asr.viterbi), and each word's path goes through the same timing rule as a
recognised word (asr.alignment.word_times: start offset, onsets and ends from the signal energy). The text is
normalised to what the model can spell (asr.spoken); the aligned words are those spoken forms, and each display
token of the text points at the words it became (asr.types.Token).

Each word gets a score, the mean over its tokens of the token's peak posterior on its frames (as a recognised
word's confidence). A word the path skipped or that scored below MIN_SCORE is kept with ``aligned=False``: the
text has it, the audio there does not ("not heard here").

A whole script and its long recording are aligned piece by piece between anchors (asr.script).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from asr.alignment import FRAME_SHIFT, WORD_MARK, confidence, word_times
from asr.audio import SAMPLE_RATE
from asr.errors import RequestError
from asr.segmenter import FRAME_GRID
from asr.spoken import SpokenToken, spoken_tokens
from asr.types import Segment, Token, Transcript, Word
from asr.viterbi import build_graph, emissions, token_runs, viterbi, wildcard_spans

log = logging.getLogger(__name__)

# a word scoring below this is marked aligned=False; measured on the fixture clips: truth words scored >= 0.23 but
# one (0.03, a word the model hears as another), inserted unspoken words <= 0.03
MIN_SCORE = 0.1
EDGE_SLACK = 0.5  # seconds around a segment's own bounds in which its edited text is looked for
CONTEXT = 1.0  # seconds of audio the model also hears on each side of the aligned span
MODEL_SPAN = 30.0  # seconds of audio per model call at most (a longer span is computed in parts, with context)


class Model(Protocol):
    """What alignment needs of asr.engine.Engine."""

    pieces: list[str]
    blank_id: int

    def log_probs(self, batch: Sequence[np.ndarray]) -> list[np.ndarray]: ...

    def token_ids(self, text: str) -> list[int]: ...


@dataclass
class Alignment:
    """A display text aligned to audio: the spoken words (times in seconds of the recording), the display tokens
    pointing at them, and where speech was heard that the text does not have."""

    words: list[Word]
    tokens: list[Token]
    extra: list[tuple[float, float]]


def alphabet(model: Model) -> set[str]:
    """The letters the model can spell one by one (single-letter pieces)."""
    return {p.replace(WORD_MARK, "") for p in model.pieces if len(p.replace(WORD_MARK, "")) == 1}


def align_text(model: Model, samples: np.ndarray, text: str, start: float, end: float, *,
               offset: float = 0.0) -> Alignment:
    """Align ``text`` (a display text) to ``start``-``end`` seconds of the recording; ``samples`` (16 kHz mono)
    are the recording from ``offset`` seconds on (the whole recording by default)."""
    spoken = spoken_tokens(text, alphabet(model))
    words = [w for t in spoken for w in t.words]
    aligned, extra = align_span(model, samples, words, start, end, offset=offset)
    return Alignment(aligned, display_tokens(spoken), extra)


def align_span(model: Model, samples: np.ndarray, words: Sequence[str], start: float, end: float, *,
               offset: float = 0.0) -> tuple[list[Word], list[tuple[float, float]]]:
    """Spoken ``words`` aligned inside ``start``-``end`` seconds of the recording, whose samples from ``offset``
    seconds on (an offset on the frame grid, see span_around) are ``samples``; and the spans of extra speech."""
    shift = round(offset * SAMPLE_RATE)
    g0, g1 = _on_grid(start) - shift, min(samples.size, int(math.ceil(end * SAMPLE_RATE)) - shift)
    e0, e1 = max(0, _on_grid(max(0.0, start - CONTEXT)) - shift), min(samples.size, g1 + int(CONTEXT * SAMPLE_RATE))
    log_probs = span_log_probs(model, samples, g0, g1)
    ids = [_token_ids(model, w) for w in words]
    found, extra = align_words(log_probs, ids, words, model.blank_id, audio=samples[e0:e1],
                               lead=(g0 - e0) / SAMPLE_RATE)
    origin = (e0 + shift) / SAMPLE_RATE
    clamp = lambda t: round(min(max(t + origin, start), end), 3)  # noqa: E731
    words_out = [replace(w, start=clamp(w.start), end=clamp(w.end)) for w in found]
    return words_out, [(clamp(a), clamp(b)) for a, b in extra]


def span_around(segment: Segment) -> tuple[float, float]:
    """The seconds of the recording that re-aligning ``segment`` within its own bounds reads: EDGE_SLACK and the
    model's CONTEXT on each side (and a frame for the grid); the start on the frame grid, as ``offset`` needs."""
    margin = EDGE_SLACK + CONTEXT + FRAME_SHIFT
    return _on_grid(max(0.0, segment.start - margin)) / SAMPLE_RATE, segment.end + margin


def _on_grid(seconds: float) -> int:
    sample = int(seconds * SAMPLE_RATE)
    return max(0, sample - sample % FRAME_GRID)


def _token_ids(model: Model, word: str) -> list[int]:
    """The word's token ids, without SentencePiece's <unk> (it never reaches a transcript)."""
    return [i for i in model.token_ids(word) if 0 <= i < len(model.pieces) and model.pieces[i] != "<unk>"]


def span_log_probs(model: Model, samples: np.ndarray, g0: int, g1: int) -> np.ndarray:
    """Log-posteriors (T, V+1) of samples[g0:g1] (g0 on the frame grid), the model hearing CONTEXT on each side;
    a span longer than MODEL_SPAN is computed in parts, each with its own context."""
    context, part = int(CONTEXT * SAMPLE_RATE), int(MODEL_SPAN * SAMPLE_RATE) // FRAME_GRID * FRAME_GRID
    out = []
    for p0 in range(g0, g1, part):
        p1 = min(g1, p0 + part)
        c0, c1 = max(0, p0 - context), min(samples.size, p1 + context)
        c0 -= c0 % FRAME_GRID
        lp = model.log_probs([samples[c0:c1]])[0]
        first = (p0 - c0) // FRAME_GRID
        out.append(lp[first : first + -(-(p1 - p0) // FRAME_GRID)])
    width = len(model.pieces) + 1
    return np.concatenate(out) if out else np.zeros((0, width), np.float32)


def align_words(log_probs: np.ndarray, ids: Sequence[Sequence[int]], words: Sequence[str], blank: int, *,
                audio: np.ndarray | None = None, lead: float = 0.0, sample_rate: int = SAMPLE_RATE,
                wildcard: bool = True) -> tuple[list[Word], list[tuple[float, float]]]:
    """Align words (their token ids) to ``log_probs``; times in seconds from the start of ``audio``, whose first
    ``lead`` seconds come before frame 0 (context). Returns the words and the spans of speech not in the text."""
    spelled = [i for i, t in enumerate(ids) if t]  # a word with no token cannot be heard anywhere
    graph = build_graph([ids[i] for i in spelled], blank, log_probs.shape[1], wildcard)
    path = viterbi(emissions(log_probs, blank), graph) if spelled or len(log_probs) else None
    if path is None:  # more tokens than frames: nothing can be placed
        return [Word(w, lead, lead, 0.0, aligned=False) for w in words], []
    runs = dict(zip(spelled, token_runs(path, graph, len(spelled)), strict=True))
    timed = [i for i in spelled if runs[i]]
    extra = wildcard_spans(path, graph)
    spans = sorted([(runs[i][0][1], runs[i][-1][2], i) for i in timed] + [(a, b, -1) for a, b in extra])
    spikes = [(lead + a * FRAME_SHIFT, lead + (b + 1) * FRAME_SHIFT) for a, b, _ in spans]
    timing = word_times(spikes, lead + len(log_probs) * FRAME_SHIFT, audio, sample_rate)
    times = {i: t for (*_, i), t in zip(spans, timing, strict=True) if i >= 0}
    out, at = [], lead
    for i, word in enumerate(words):
        if i in times:
            score = confidence(log_probs, runs[i])
            out.append(Word(word, *times[i], score, aligned=score >= MIN_SCORE))
            at = times[i][1]
        else:
            out.append(Word(word, at, at, 0.0, aligned=False))
    return out, [t for (*_, i), t in zip(spans, timing, strict=True) if i < 0]


def display_tokens(spoken: Sequence[SpokenToken]) -> list[Token]:
    """Each display token with the spoken words [first..last] it became; a token said as nothing ("–") points at
    the word before it (or after it, at the start). Empty when the text is its spoken words joined."""
    if all(len(t.words) == 1 and t.words[0] == t.text for t in spoken):
        return []
    tokens, n = [], 0
    total = sum(len(t.words) for t in spoken)
    for t in spoken:
        if t.words:
            tokens.append(Token(t.text, n, n + len(t.words) - 1))
            n += len(t.words)
        elif total:
            at = min(max(n - 1, 0), total - 1)
            tokens.append(Token(t.text, at, at))
    return tokens if total else []


def realign_segment(model: Model, samples: np.ndarray, segment: Segment, text: str, start: float | None = None,
                    end: float | None = None, *, limits: tuple[float, float] | None = None,
                    offset: float = 0.0) -> Segment:
    """``segment`` with the reviewer's ``text`` aligned to its audio: text, tokens, words (aligned) and edited=True.

    ``start``/``end``: the bounds the reviewer moved the segment to; the words are placed inside them. Bounds not
    given are the segment's own: the words are looked for up to EDGE_SLACK beyond them (its recognised words may
    have missed the edges), never past ``limits`` (the end of the segment before, the start of the one after), and
    the bounds widen to the words heard there (a text edit never shrinks a segment). The model hears the span plus
    CONTEXT on each side; no other segment changes. ``samples`` are the recording from ``offset`` seconds on (the
    whole recording by default; span_around says which part is enough).
    """
    duration = offset + samples.size / SAMPLE_RATE  # where the samples end
    floor, ceiling = limits if limits is not None else (offset, duration)
    lo = float(start) if start is not None else max(segment.start - EDGE_SLACK, floor, offset)
    hi = float(end) if end is not None else min(segment.end + EDGE_SLACK, ceiling, duration)
    if not offset <= lo < hi <= duration + FRAME_SHIFT:
        raise RequestError(f"A segment must start before it ends, within the recording ({offset:.2f} to "
                           f"{duration:.2f} s); got {lo:.2f} to {hi:.2f} s.")
    aligned = align_text(model, samples, text, lo, min(hi, duration), offset=offset)
    heard = [w for w in aligned.words if w.aligned]  # bounds not given widen to the words heard, never shrink
    if start is None:
        lo = min([segment.start] + [w.start for w in heard[:1]])
    if end is None:
        hi = max([segment.end] + [w.end for w in heard[-1:]])
    words = [replace(w, start=min(max(w.start, lo), hi), end=min(max(w.end, lo), hi)) for w in aligned.words]
    return replace(segment, start=round(lo, 3), end=round(hi, 3), text=text, words=words, tokens=aligned.tokens,
                   edited=True)


def realign(model: Model, samples: np.ndarray, transcript: Transcript, idx: int, text: str | None = None,
            start: float | None = None, end: float | None = None, *, offset: float = 0.0) -> Segment:
    """Segment ``idx`` of ``transcript`` re-aligned with ``text`` (default: its current text) and the bounds the
    reviewer set (``start``/``end``, default: its own), never reaching into its neighbours. It is marked edited
    when its text changed (or was edited before). ``samples``: the recording from ``offset`` seconds on; with
    its own bounds, the part span_around(transcript, idx) gives the same result as the whole recording."""
    if not 0 <= idx < len(transcript.segments):
        raise RequestError(f"There is no segment {idx + 1}; this transcript has {len(transcript.segments)}.")
    segments = transcript.segments
    floor = segments[idx - 1].end if idx > 0 else 0.0
    ceiling = segments[idx + 1].start if idx + 1 < len(segments) else offset + samples.size / SAMPLE_RATE
    segment = segments[idx]
    new_text = segment.text if text is None else text
    aligned = realign_segment(model, samples, segment, new_text, start, end, limits=(floor, max(floor, ceiling)),
                              offset=offset)
    return replace(aligned, edited=segment.edited or new_text != segment.text)  # moved bounds alone: not an edit
