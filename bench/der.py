"""Diarization error rate, the standard (NIST md-eval) definition, scored on a 10 ms grid.

DER = (missed speech + false alarm + speaker confusion) / reference speech, after mapping each hypothesis
speaker to at most one reference speaker so that their overlap is largest (Hungarian assignment). A collar of
`collar` seconds on EACH side of every reference turn boundary is not scored (md-eval's 0.25 s "forgiveness
collar"; pyannote.metrics' `collar=0.5` is the same, it counts the total width). Overlapped speech is scored
as md-eval scores it: per frame, min(#ref, #hyp) - #correct is confusion, the rest miss or false alarm.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

STEP = 0.01  # seconds per scored frame
COLLAR = 0.25  # seconds on each side of a reference boundary

Turns = Sequence[tuple[Hashable, float, float]]  # (speaker, start, end) in seconds


@dataclass(frozen=True)
class Score:
    reference: float  # seconds of scored reference speech
    missed: float
    false_alarm: float
    confusion: float

    @property
    def der(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / self.reference if self.reference else 0.0


def _grid(turns: Turns, speakers: list, frames: int) -> np.ndarray:
    """frames x speakers booleans: who speaks in each STEP."""
    active = np.zeros((frames, len(speakers)), bool)
    for speaker, start, end in turns:
        active[round(start / STEP): round(end / STEP), speakers.index(speaker)] = True
    return active


def _scored(reference: Turns, frames: int, collar: float) -> np.ndarray:
    keep = np.ones(frames, bool)
    width = round(collar / STEP)
    for _, start, end in reference:
        for edge in (round(start / STEP), round(end / STEP)):
            keep[max(0, edge - width): edge + width] = False
    return keep


def score(reference: Turns, hypothesis: Turns, collar: float = COLLAR) -> Score:
    """Missed, false-alarm and confused seconds of `hypothesis` against `reference`."""
    end = max([e for _, _, e in [*reference, *hypothesis]], default=0.0)
    frames = round(end / STEP) + 1
    ref_names = sorted({s for s, _, _ in reference}, key=str)
    hyp_names = sorted({s for s, _, _ in hypothesis}, key=str)
    keep = _scored(reference, frames, collar)
    ref, hyp = _grid(reference, ref_names, frames)[keep], _grid(hypothesis, hyp_names, frames)[keep]
    n_ref, n_hyp = ref.sum(axis=1), hyp.sum(axis=1)
    overlap = ref.T.astype(np.int64) @ hyp.astype(np.int64)
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    correct = np.zeros(len(ref), np.int64)
    for r, h in zip(rows, cols, strict=True):
        correct += ref[:, r] & hyp[:, h]
    return Score(reference=float(n_ref.sum() * STEP),
                 missed=float(np.maximum(0, n_ref - n_hyp).sum() * STEP),
                 false_alarm=float(np.maximum(0, n_hyp - n_ref).sum() * STEP),
                 confusion=float((np.minimum(n_ref, n_hyp) - correct).sum() * STEP))
