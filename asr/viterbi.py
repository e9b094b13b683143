"""CTC forced alignment of token sequences to frame log-posteriors: one Viterbi pass in plain numpy.

The text is a list of words, each a list of token ids. The state graph is NeMo's CTC topology (blank, token,
blank, token, ..., blank; a blank between two tokens may be skipped unless they are the same token), with two
optional additions that keep a text that does not match the audio from dragging its neighbours:

* a *wildcard* state in every gap between words (and before the first, after the last) that emits "some speech
  not in the text" at the score of the best non-blank token of the frame, for WILDCARD_PENALTY on entering: speech
  the reviewer deleted from the text goes there instead of being stretched onto a neighbour. It may pause (a blank)
  and go on for PAUSE_PENALTY each time, so a whole paragraph the text lacks, pauses and all, is one stretch (CTC
  emits blanks between a word's tokens too: without the pauses the wildcard could only take a token or two, and a
  missing paragraph was spread over the word before it);
* a *skip* edge over each word for SKIP_PENALTY: a word that was not said takes no frames at all.

With neither (``wildcard=False``), the path is the one NeMo's ``aligner_utils.viterbi_decoding`` finds.
Memory is one int8 back-pointer per frame and state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WILDCARD_PENALTY = 8.0  # nats (log-probability) for entering a wildcard stretch
SKIP_PENALTY = 12.0  # nats for leaving a word of the text unaligned (no frames)
PAUSE_PENALTY = 4.0  # nats for each pause inside one wildcard stretch (measured: 2 to 8 keep a missing paragraph in it)
NO_WORD = -1  # word index of states that belong to no word (gaps)
_NONE = -1  # no predecessor


@dataclass(frozen=True)
class Graph:
    """The states of a text's alignment: what each emits, whose word it is, and where it may be entered from."""

    emit: np.ndarray  # (S,) column of the emission matrix: token id, blank id, or the wildcard column
    word: np.ndarray  # (S,) index of the word a token state spells; NO_WORD for blanks between words / wildcards
    token: np.ndarray  # (S,) True for token states (not blanks, not wildcards)
    wildcard: np.ndarray  # (S,) True for wildcard states
    preds: np.ndarray  # (S, K) predecessor states (self first), _NONE padded
    penalty: np.ndarray  # (S, K) log-score added on that edge (<= 0)
    initial: np.ndarray  # (S,) log-score of starting in a state; -inf where it may not start
    final: np.ndarray  # (S,) bool: the path may end there


class _Builder:
    def __init__(self, blank: int, wildcard: int | None):
        self.blank, self.wildcard = blank, wildcard
        self.emit: list[int] = []
        self.word: list[int] = []
        self.preds: list[list[tuple[int, float]]] = []

    def add(self, emit: int, word: int, preds: Sequence[tuple[int, float]]) -> int:
        self.emit.append(emit)
        self.word.append(word)
        self.preds.append([(len(self.emit) - 1, 0.0), *preds])
        return len(self.emit) - 1

    def gap(self, last_token: int | None, skip_from: Sequence[int], skip_penalty: float) -> list[int]:
        """States between words: blank (and wildcard, blank), entered from the last token or over a skipped word."""
        into = [(last_token, 0.0)] if last_token is not None else []
        blank = self.add(self.blank, NO_WORD, into + [(s, -skip_penalty) for s in skip_from])
        if self.wildcard is None:
            return [blank]
        star = self.add(self.wildcard, NO_WORD, [(blank, -WILDCARD_PENALTY)]
                        + [(s, -WILDCARD_PENALTY) for s, _ in into])
        after = self.add(self.blank, NO_WORD, [(star, 0.0), (blank, 0.0)])
        self.preds[star].append((after, -PAUSE_PENALTY))  # extra speech goes on after a pause
        return [blank, star, after]

    def word_states(self, w: int, ids: Sequence[int], gap: list[int], last_token: int | None) -> int:
        """The states of word ``w`` after ``gap``; returns its last token state."""
        entry = [(s, 0.0) for s in reversed(gap)]
        if last_token is not None and self.emit[last_token] != ids[0]:
            entry.append((last_token, 0.0))
        prev = self.add(ids[0], w, entry)
        for tok in ids[1:]:
            between = self.add(self.blank, w, [(prev, 0.0)])
            direct = [(prev, 0.0)] if self.emit[prev] != tok else []
            prev = self.add(tok, w, [(between, 0.0), *direct])
        return prev


def build_graph(words: Sequence[Sequence[int]], blank: int, n_columns: int, wildcard: bool = True,
                skip_penalty: float = SKIP_PENALTY) -> Graph:
    """The alignment graph of ``words`` (token ids each, none empty). ``n_columns``: the log-posteriors' width
    (V+1); the wildcard emits from an extra column there."""
    b = _Builder(blank, n_columns if wildcard else None)
    gap = b.gap(None, [], 0.0)
    starts, last = list(gap), None
    for w, ids in enumerate(words):
        if w == 0:
            starts.append(len(b.emit))
        last = b.word_states(w, ids, gap, last)
        gap = b.gap(last, gap if wildcard else [], skip_penalty)
    k = max(len(p) for p in b.preds)
    preds = np.full((len(b.emit), k), _NONE, dtype=np.int64)
    penalty = np.zeros((len(b.emit), k), dtype=np.float32)
    for s, edges in enumerate(b.preds):
        for j, (p, pen) in enumerate(edges):
            preds[s, j], penalty[s, j] = p, pen
    emit = np.array(b.emit, dtype=np.int64)
    initial = np.full(len(emit), -np.inf, dtype=np.float32)
    initial[starts] = 0.0
    if wildcard:
        initial[starts[1]] = -WILDCARD_PENALTY
    final = np.zeros(len(emit), dtype=bool)
    final[gap] = True
    if last is not None:
        final[last] = True
    token = np.array([w != NO_WORD and e != blank for e, w in zip(b.emit, b.word, strict=True)])
    return Graph(emit, np.array(b.word, dtype=np.int64), token, emit == n_columns, preds, penalty, initial, final)


def emissions(log_probs: np.ndarray, blank: int) -> np.ndarray:
    """``log_probs`` (T, V+1) with the wildcard's column appended: each frame's best non-blank log-posterior."""
    non_blank = np.delete(log_probs, blank, axis=1)
    return np.concatenate([log_probs, non_blank.max(axis=1, keepdims=True)], axis=1).astype(np.float32)


def viterbi(emission: np.ndarray, graph: Graph) -> np.ndarray | None:
    """The best state per frame (T,), or None when no path fits (more tokens than frames)."""
    n_frames, n_states = len(emission), len(graph.emit)
    if n_frames == 0:
        return None
    preds = np.where(graph.preds == _NONE, n_states, graph.preds)  # index n_states holds -inf
    score = np.full(n_states + 1, -np.inf, dtype=np.float32)
    score[:n_states] = graph.initial + emission[0, graph.emit]
    back = np.zeros((n_frames, n_states), dtype=np.int8)
    rows = np.arange(n_states)
    for t in range(1, n_frames):
        candidates = score[preds] + graph.penalty
        best = candidates.argmax(axis=1)
        back[t] = best
        score[:n_states] = candidates[rows, best] + emission[t, graph.emit]
    ends = np.where(graph.final, score[:n_states], -np.inf)
    state = int(ends.argmax())
    if not np.isfinite(ends[state]):
        return None
    path = np.empty(n_frames, dtype=np.int64)
    for t in range(n_frames - 1, -1, -1):
        path[t] = state
        state = int(graph.preds[state, back[t, state]])
    return path


def token_runs(path: np.ndarray, graph: Graph, n_words: int) -> list[list[tuple[int, int, int]]]:
    """Per word, its token runs on the path as (token id, first frame, last frame); [] for a skipped word."""
    runs: list[list[tuple[int, int, int]]] = [[] for _ in range(n_words)]
    prev = -1
    for t, s in enumerate(path.tolist()):
        if graph.token[s]:
            word = runs[graph.word[s]]
            if s == prev:
                word[-1] = (word[-1][0], word[-1][1], t)
            else:
                word.append((int(graph.emit[s]), t, t))
        prev = s
    return runs


def wildcard_spans(path: np.ndarray, graph: Graph) -> list[tuple[int, int]]:
    """(first, last) frames of each stretch of speech that is not in the text: the wildcard's frames, one span
    for those in the same gap (the pauses between them included)."""
    spans: list[tuple[int, int]] = []
    last_token = -1  # the last frame on a word's token so far
    for t in np.flatnonzero(graph.wildcard[path] | graph.token[path]).tolist():
        if graph.token[path[t]]:
            last_token = t
        elif spans and spans[-1][1] > last_token:
            spans[-1] = (spans[-1][0], t)
        else:
            spans.append((t, t))
    return spans
