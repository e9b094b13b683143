"""Voice activity and cut points: where the model should listen, in chunks it handles well.

Silero VAD (its model ships inside the `silero-vad` package) scores 32 ms windows. Scoring window
after window costs ~20 % of the ASR model's own time on a 2-core CPU, almost all of it per-call
overhead, so the audio is scored as VAD_ROWS one-minute streams side by side (the model's state
restarts at each row, which changed 0.2 % of window decisions in a measurement), block by block, so
the first chunks are known long before a long file has been scanned. Speech regions are
padded and merged across short pauses; a region longer than the chunk limit is cut at the
quietest moment in the second half of the window, so a cut falls in a pause whenever there is one.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from asr.alignment import FRAME_SHIFT
from asr.audio import SAMPLE_RATE

VAD_WINDOW = 512  # samples (32 ms) per Silero score
VAD_ROW = 1875 * VAD_WINDOW  # samples (60 s) in one stream of a batch; a whole number of windows
VAD_ROWS = 16  # streams scored side by side
SPEECH_THRESHOLD = 0.5  # Silero probability above which a window is speech
SPEECH_PAD = 0.3  # seconds kept before and after speech
MERGE_GAP = 1.0  # seconds; shorter pauses stay inside one region
ENERGY_HOP = 160  # samples (10 ms) per energy frame when looking for a cut
CUT_SMOOTHING = 0.2  # seconds; the cut lands in the middle of a pause at least this long if one exists
FRAME_GRID = round(FRAME_SHIFT * SAMPLE_RATE)  # samples per model output frame: chunks start on this grid


@dataclass(frozen=True)
class Chunk:
    """Audio the model hears in one call: sample indices in the original audio."""

    start: int
    end: int

    @property
    def offset(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def duration(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


_vad_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _vad_model():
    import torch

    threads = torch.get_num_threads()
    from silero_vad import load_silero_vad  # sets torch to one thread when imported

    model = load_silero_vad()
    torch.set_num_threads(threads)  # the ASR model needs every core
    return model


def speech_probabilities(audio: np.ndarray) -> Iterator[np.ndarray]:
    """Yield Silero speech probabilities, one per VAD_WINDOW samples, for consecutive blocks of the audio."""
    import torch

    model = _vad_model()
    block = VAD_ROW * VAD_ROWS
    for start in range(0, audio.size, block):
        part = audio[start : start + block]
        windows = -(-part.size // VAD_WINDOW)
        row = min(VAD_ROW, windows * VAD_WINDOW)
        rows = np.zeros((-(-part.size // row), row), np.float32)
        rows.reshape(-1)[: part.size] = part
        with _vad_lock, torch.inference_mode():  # the model keeps state: one caller at a time
            probs = model.audio_forward(torch.from_numpy(rows), SAMPLE_RATE)
        yield probs.reshape(-1)[:windows].numpy()


def speech_regions(audio: np.ndarray) -> Iterator[tuple[int, int]]:
    """Yield padded, merged speech regions (start, end) in samples, in order, as soon as each is closed."""
    pad, gap = int(SPEECH_PAD * SAMPLE_RATE), int(MERGE_GAP * SAMPLE_RATE)
    current: list[int] | None = None
    frame = 0
    for probs in speech_probabilities(audio):
        for i in np.flatnonzero(probs >= SPEECH_THRESHOLD):
            s = (frame + i) * VAD_WINDOW
            start, end = _on_grid(max(0, s - pad)), min(audio.size, s + VAD_WINDOW + pad)
            if current and start - current[1] <= gap:
                current[1] = end
            else:
                if current:
                    yield current[0], current[1]
                current = [start, end]
        frame += probs.size
    if current:
        yield current[0], current[1]


def _on_grid(sample: int) -> int:
    """The FRAME_GRID point at or before ``sample``.

    A chunk that starts on the grid is framed exactly as a whole-file pass would frame it: a model's output can
    change with a shift of a fraction of a frame, and small models change most.
    """
    return sample - sample % FRAME_GRID


def quietest_point(audio: np.ndarray, lo: int, hi: int) -> int:
    """The sample in [lo, hi) at the centre of the quietest CUT_SMOOTHING-long stretch."""
    n = (hi - lo) // ENERGY_HOP
    if n < 2:
        return hi
    frames = audio[lo : lo + n * ENERGY_HOP].reshape(n, ENERGY_HOP)
    energy = np.square(frames, dtype=np.float64).mean(axis=1)
    width = max(1, int(CUT_SMOOTHING * SAMPLE_RATE / ENERGY_HOP))
    smoothed = np.convolve(energy, np.ones(width) / width, mode="same")
    return lo + int(np.argmin(smoothed)) * ENERGY_HOP + ENERGY_HOP // 2


def split_region(audio: np.ndarray, start: int, end: int, max_len: int) -> Iterator[tuple[int, int]]:
    """Cut one region into pieces of at most max_len samples, each cut in the quietest place."""
    while end - start > max_len:
        cut = _on_grid(quietest_point(audio, start + max_len // 2, start + max_len))
        yield start, cut
        start = cut
    yield start, end


def plan_chunks(audio: np.ndarray, max_chunk: float) -> Iterator[Chunk]:
    """Yield chunks of at most max_chunk seconds covering all detected speech, in order and never overlapping.

    Neighbouring regions share a chunk while it stays within the limit; silence between
    chunks longer than about MERGE_GAP + 2 * SPEECH_PAD is not sent to the model.
    """
    max_len = int(max_chunk * SAMPLE_RATE)
    open_start = open_end = None
    for region in speech_regions(audio):
        for start, end in split_region(audio, *region, max_len):
            if open_start is not None and end - open_start <= max_len:
                open_end = end
                continue
            if open_start is not None:
                yield Chunk(int(open_start), int(open_end))
            open_start, open_end = start, end
    if open_start is not None:
        yield Chunk(int(open_start), int(open_end))
