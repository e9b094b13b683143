"""Word start/end times and confidences from CTC frame posteriors (pure numpy).

The engine calls :func:`words_from_ctc` once per chunk with the chunk's log-posteriors (already cut to the
encoded length) and, when it has it, the chunk's audio. Times are relative to the start of ``log_probs`` /
``audio``; callers add chunk offsets (``Word.shifted``).

Why not NeMo's ``hyp.timestamp['word']``: it makes words contiguous (each word ends where the next begins) and was
~0.3 s early in a measurement, so the start/end here are computed directly from the greedy CTC path:

* start: first non-blank frame of the word's first token, shifted by START_OFFSET (measured). When ``audio`` is
  given it is refined from the signal energy: a spike that fires in the quiet before the word (CTC often emits a
  word's first token anywhere in a preceding pause, up to ~0.7 s early) moves forward to the first loud frames; a
  spike inside the sound moves back to its onset, by at most START_SNAP;
* end: CTC fires its last spike early in the last sound, so the end is taken from the audio energy falling to the
  noise level after that spike (when ``audio`` is given), otherwise from the spike plus END_OFFSET (measured);
  never past the next word's start.

The constants were measured on held-out synthetic speech (tools/evaluate_test_model.py, tests/fixtures/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from asr.types import Word

FRAME_SHIFT = 0.04  # seconds per encoder output frame (10 ms mel hop x 4 subsampling)
WORD_MARK = "\u2581"  # SentencePiece "▁": a piece starting with it begins a new word
START_OFFSET = 0.095  # seconds added to the first spike frame time (measured on held-out synthetic speech)
END_OFFSET = 0.08  # seconds after the last spike's frame end when no audio is given (measured)
ENERGY_HOP = 0.01  # seconds per energy frame
ENERGY_FLOOR_PERCENTILE = 10  # percentile of frame energies taken as the noise floor
DIGITAL_SILENCE_DB = -90.0  # frames quieter than this are digital silence (zeros), not the noise floor
ENERGY_ABOVE_FLOOR_DB = 10.0  # a frame louder than floor + this is speech
ENERGY_BELOW_PEAK_DB = 30.0  # ... and not quieter than the word's peak minus this
SILENCE_RUN = 0.12  # seconds of quiet that end a word (longer than a stop closure)
MAX_TAIL = 0.8  # seconds the end may extend past the last spike
ONSET_QUIET = 0.03  # seconds of quiet before a sound that mark its onset
ONSET_LOUD = 0.02  # seconds of loud frames that a spike in the quiet moves forward to
START_SNAP = 0.05  # seconds the start may move back from the spike (+ START_OFFSET) to the onset
MAX_LEAD = 0.3  # seconds before the spike searched for the onset
MIN_WORD = 0.02  # seconds: the shortest word; starts are kept at least this far apart and in order


def _token_runs(log_probs: np.ndarray, blank_id: int) -> list[tuple[int, int, int]]:
    """Greedy CTC path as (token_id, first_frame, last_frame) runs: repeats collapsed, blanks dropped."""
    best = np.argmax(log_probs, axis=1)
    runs: list[tuple[int, int, int]] = []
    prev = blank_id
    for t, tok in enumerate(best.tolist()):
        if tok != blank_id:
            if tok == prev:
                runs[-1] = (tok, runs[-1][1], t)
            else:
                runs.append((tok, t, t))
        prev = tok
    return runs


def _group_words(runs: list[tuple[int, int, int]], pieces: Sequence[str]) -> list[list[tuple[int, int, int]]]:
    """Split the token runs into words: a piece starting with WORD_MARK opens a new word."""
    groups: list[list[tuple[int, int, int]]] = []
    for run in runs:
        if not groups or pieces[run[0]].startswith(WORD_MARK):
            groups.append([run])
        else:
            groups[-1].append(run)
    return groups


def confidence(log_probs: np.ndarray, group: Sequence[tuple[int, int, int]]) -> float:
    """Mean over the word's tokens of the token's peak posterior on its frames.

    The peak posterior of a CTC spike is the model's probability that this token was emitted there; averaging
    over tokens gives a word score in [0, 1] that drops when any piece was uncertain, without the length
    penalty a product would have.
    """
    peaks = [float(np.exp(log_probs[first : last + 1, tok].max())) for tok, first, last in group]
    return float(np.clip(np.mean(peaks), 0.0, 1.0))


def _frame_energy_db(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Energy in dB of consecutive ENERGY_HOP frames of ``audio`` (mono)."""
    hop = max(1, int(round(ENERGY_HOP * sample_rate)))
    n = len(audio) // hop
    frames = np.asarray(audio[: n * hop], dtype=np.float64).reshape(n, hop)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def _noise_floor(energy_db: np.ndarray) -> float:
    """The noise floor (dB): a low percentile of the frame energies, digital silence left out (a noisy recording
    with zeroed pauses would otherwise put every noise frame above the floor, and starts in the noise)."""
    sounding = energy_db[energy_db > DIGITAL_SILENCE_DB]
    return float(np.percentile(sounding, ENERGY_FLOOR_PERCENTILE)) if len(sounding) else 0.0


def _loud(energy_db: np.ndarray, floor_db: float, first: int, last: int) -> np.ndarray:
    """Frames louder than the noise floor + ENERGY_ABOVE_FLOOR_DB and within ENERGY_BELOW_PEAK_DB of the peak of
    frames ``first:last``."""
    peak = energy_db[first:last].max()
    return energy_db > max(floor_db + ENERGY_ABOVE_FLOOR_DB, peak - ENERGY_BELOW_PEAK_DB)


def _energy_start(energy_db: np.ndarray, floor_db: float, spike: float, lower: float, upper: float) -> float:
    """Onset of the sound whose first token spiked at ``spike`` (seconds), searched within ``lower``-``upper``.

    A spike in the quiet moves forward to the first ONSET_LOUD of loud frames; a spike inside a sound moves back
    to the frame after ONSET_QUIET of quiet, by at most START_SNAP. Falls back to the spike + START_OFFSET.
    """
    guess = spike + START_OFFSET
    first, last, at = int(lower / ENERGY_HOP), min(len(energy_db), int(upper / ENERGY_HOP)), int(spike / ENERGY_HOP)
    if not first <= at < last:
        return guess
    loud = _loud(energy_db, floor_db, first, last)
    if not loud[at]:
        run = int(round(ONSET_LOUD / ENERGY_HOP))
        onset = next((i for i in range(at, last) if loud[i : i + run].all()), None)
        return guess if onset is None else onset * ENERGY_HOP
    onset = _last_loud(loud, range(at, first - 1, -1), int(round(ONSET_QUIET / ENERGY_HOP)))
    return min(max(onset * ENERGY_HOP, guess - START_SNAP), guess + START_SNAP)


def _energy_end(energy_db: np.ndarray, floor_db: float, spike_end: float, start: float, limit: float) -> float | None:
    """End of the sound that contains ``spike_end``: last loud frame before SILENCE_RUN of quiet, or None."""
    first, last = int(start / ENERGY_HOP), min(len(energy_db), int(limit / ENERGY_HOP))
    if last <= first:
        return None
    loud = _loud(energy_db, floor_db, first, last)
    end = _last_loud(loud, range(int(spike_end / ENERGY_HOP), last), int(round(SILENCE_RUN / ENERGY_HOP)))
    return None if end is None else (end + 1) * ENERGY_HOP


def _last_loud(loud: np.ndarray, frames: range, quiet_run: int) -> int | None:
    """The last loud frame met walking ``frames`` (either direction) before ``quiet_run`` quiet frames in a row."""
    found, quiet = None, 0
    for i in frames:
        if loud[i]:
            found, quiet = i, 0
        else:
            quiet += 1
            if quiet >= quiet_run:
                break
    return found


def words_from_ctc(
    log_probs: np.ndarray,
    pieces: Sequence[str],
    blank_id: int,
    *,
    frame_shift: float = FRAME_SHIFT,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
) -> list[Word]:
    """Greedy-decode one utterance's CTC log-posteriors (T, V+1) into timed words.

    ``pieces[i]`` is the SentencePiece piece of token id i, ``blank_id`` the CTC blank (V in NeMo). Returns
    ``Word(word, start, end, confidence)`` with times in seconds from the start of ``log_probs`` (and ``audio``,
    which, when given, refines the word starts and ends from the signal energy).
    """
    groups = [g for g in _group_words(_token_runs(log_probs, blank_id), pieces) if _text(g, pieces)]
    spikes = [(g[0][1] * frame_shift, (g[-1][2] + 1) * frame_shift) for g in groups]
    times = word_times(spikes, len(log_probs) * frame_shift, audio, sample_rate, frame_shift)
    return [Word(_text(g, pieces), start, end, confidence(log_probs, g))
            for g, (start, end) in zip(groups, times, strict=True)]


def word_times(spikes: Sequence[tuple[float, float]], duration: float, audio: np.ndarray | None = None,
               sample_rate: int = 16000, frame_shift: float = FRAME_SHIFT) -> list[tuple[float, float]]:
    """(start, end) in seconds, to the millisecond, of each word from its CTC path: the one timing rule of Prepis.

    ``spikes[i]`` = (time of the first frame of word i's first token, end of the last frame of its last token),
    in time order, whether the path is the greedy one (recognised words) or a forced one (asr.align). Starts get
    START_OFFSET or, with ``audio``, the energy onset; ends the energy falling to the noise floor (or END_OFFSET);
    a word never ends after the next one starts. ``duration``: seconds of ``log_probs`` (and ``audio``).
    """
    has_audio = audio is not None and len(audio) > 0
    energy_db, floor_db = None, 0.0
    if has_audio:
        duration = max(duration, len(audio) / sample_rate)
        energy_db = _frame_energy_db(audio, sample_rate)
        floor_db = _noise_floor(energy_db)
    starts = []
    for i, (spike, _) in enumerate(spikes):
        if energy_db is not None:  # between the previous word's last spike and the next word's first spike
            lower = max(spikes[i - 1][1] if i else 0.0, spike - MAX_LEAD)
            upper = spikes[i + 1][0] if i + 1 < len(spikes) else duration
            starts.append(max(0.0, _energy_start(energy_db, floor_db, spike, lower, upper)))
        else:
            starts.append(max(0.0, spike + START_OFFSET))
    starts = _in_order(starts, duration)
    times = []
    for i, (_, spike_end) in enumerate(spikes):
        limit = starts[i + 1] if i + 1 < len(spikes) else duration
        end = None
        if energy_db is not None:
            end = _energy_end(energy_db, floor_db, spike_end, starts[i], min(limit, spike_end + MAX_TAIL))
        if end is None:
            end = spike_end + END_OFFSET
        end = min(max(end, starts[i] + frame_shift), limit)
        times.append((round(starts[i], 3), round(end, 3)))
    return times


def _in_order(starts: list[float], duration: float) -> list[float]:
    """Starts strictly in order, at least MIN_WORD apart and MIN_WORD before the end, so no word has zero length.

    Two one-letter words (v, s, z, k) whose spikes both fall in the quiet before the sound would otherwise both
    move to its onset, or cross each other.
    """
    ordered = list(starts)
    for i in range(1, len(ordered)):
        ordered[i] = max(ordered[i], ordered[i - 1] + MIN_WORD)
    ceiling = duration
    for i in range(len(ordered) - 1, -1, -1):  # the last words may have been pushed past the end: pull them back
        ceiling = max(0.0, ceiling - MIN_WORD)
        ordered[i] = min(ordered[i], ceiling)
        ceiling = ordered[i]
    return ordered


def _text(group: list[tuple[int, int, int]], pieces: Sequence[str]) -> str:
    """The word spelled by a group of token runs (WORD_MARK removed)."""
    return "".join(pieces[tok] for tok, _, _ in group).replace(WORD_MARK, "").strip()
