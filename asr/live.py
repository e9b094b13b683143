"""Live dictation: words become final while the audio is still arriving.

Audio comes in pieces (from a microphone, at any rate) into a `LiveAudio` buffer at 16 kHz. A `LiveDecoder`
re-decodes, on each step, the audio since the last final word plus LEFT_CONTEXT seconds before it, and makes
final ("commits") the words that end at least GUARD seconds before the live edge: CTC posteriors near the edge
still change as more audio arrives, a word well behind it no longer does. Committed words never change; the
others are pending and come back, possibly different, in the next step. `LiveWorker` runs the steps on a thread
every STEP_INTERVAL seconds, so that whoever delivers the audio only appends it (a slower receiver loses audio).

The times are those of asr.alignment (the engine's recognize), in seconds from the start of the recording.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.options import TranscribeOptions
from asr.pipeline import Audio, SegmentBuilder
from asr.text import make_readable
from asr.types import BackendInfo, Transcript, TranscriptionInfo, Word

log = logging.getLogger(__name__)

GUARD = 1.5  # seconds: a word is final once it ends this long before the live edge (measured: docs/dictation.md)
LEFT_CONTEXT = 1.0  # seconds of audio before the last final word that each step decodes again
STEP_INTERVAL = 0.5  # seconds between the steps of the worker
MIN_WINDOW = 0.3  # seconds: less new audio than this is not decoded
QUIET_MARGIN = 0.3  # seconds kept before the first pending word when the decided point moves over a pause
INITIAL_CAPACITY = 60 * SAMPLE_RATE  # samples the buffer holds before it first grows


class Recognizer(Protocol):
    """What the decoder needs of asr.engine.Engine."""

    def recognize(self, batch: Sequence[np.ndarray]) -> list[list[Word]]:
        """Timed words of each chunk, times from the start of the chunk."""


class LiveAudio:
    """A growing 16 kHz mono float32 buffer: one thread appends, another reads snapshots."""

    def __init__(self, capacity: int = INITIAL_CAPACITY):
        self._data = np.zeros(capacity, np.float32)
        self._size = 0
        self._lock = threading.Lock()

    def append(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, np.float32).reshape(-1)
        with self._lock:
            need = self._size + samples.size
            if need > self._data.size:  # a new array: snapshots taken before keep the old one
                grown = np.zeros(max(need, 2 * self._data.size), np.float32)
                grown[: self._size] = self._data[: self._size]
                self._data = grown
            self._data[self._size : need] = samples
            self._size = need

    def samples(self) -> np.ndarray:
        """The audio so far (a view that later appends do not change)."""
        with self._lock:
            return self._data[: self._size]

    @property
    def seconds(self) -> float:
        return self._size / SAMPLE_RATE


class Resampler:
    """Pieces of audio at any rate, int16 or float, mono or interleaved channels, to 16 kHz mono float32; keeps
    its filter state across pieces (libswresample through PyAV), so the pieces join without clicks."""

    def __init__(self, rate: int):
        import av

        self.rate = rate
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, data: np.ndarray | None) -> np.ndarray:
        """The 16 kHz samples of the next piece; None flushes what the filter still holds."""
        import av

        if data is None:
            frames = self._resampler.resample(None)
        else:
            mono = _mono_float(data)
            frame = av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = self.rate
            frames = self._resampler.resample(frame)
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def _mono_float(data: np.ndarray) -> np.ndarray:
    """int16 / int32 / float samples, (n,) or (n, channels), as mono float32 in [-1, 1]."""
    data = np.asarray(data)
    if np.issubdtype(data.dtype, np.integer):
        data = data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    data = data.astype(np.float32)
    return np.ascontiguousarray(data.mean(axis=1) if data.ndim == 2 else data.reshape(-1))


@dataclass(frozen=True)
class LiveUpdate:
    """One step: the words that just became final, the words still pending, the seconds of audio decoded."""

    committed: list[Word]
    pending: list[Word]
    edge: float


class LiveDecoder:
    """Re-decodes the undecided tail of `audio` on each `step` and commits the words behind the guard."""

    def __init__(self, engine: Recognizer, audio: LiveAudio, guard: float = GUARD, context: float = LEFT_CONTEXT):
        self.engine, self.audio, self.guard, self.context = engine, audio, guard, context
        self.committed: list[Word] = []
        self.point = 0.0  # seconds: everything before is decided (the end of the last final word, or a pause)

    def step(self, final: bool = False) -> LiveUpdate:
        """Decode from `point - context` to the live edge; `final`: no more audio comes, commit every word."""
        samples = self.audio.samples()
        edge = samples.size / SAMPLE_RATE
        first = int(max(0.0, self.point - self.context) * SAMPLE_RATE)
        undecided, window = edge - self.point, (samples.size - first) / SAMPLE_RATE
        if window < MIN_WINDOW or undecided <= 0 or (undecided < MIN_WINDOW and not final):
            return LiveUpdate([], [], edge)
        offset = first / SAMPLE_RATE
        words = [w.shifted(offset) for w in self.engine.recognize([samples[first:]])[0]]
        fresh = [w for w in words if (w.start + w.end) / 2 > self.point]  # the others are the context's words
        limit = edge if final else edge - self.guard
        ready = 0
        while ready < len(fresh) and fresh[ready].end <= limit:
            ready += 1
        new = [replace(w, start=max(w.start, self.point)) for w in fresh[:ready]]
        self.committed += new
        if new:
            self.point = new[-1].end
        pending = fresh[ready:]
        quiet_until = pending[0].start - QUIET_MARGIN if pending else limit
        self.point = max(self.point, round(min(limit, quiet_until), 3))
        return LiveUpdate(new, pending, edge)


@dataclass
class LiveWorker:
    """Decodes `audio` every `interval` seconds on its own thread while it grows; `finish` decodes the rest.

    `get_engine` is called on the worker's thread (loading a model does not hold up whoever feeds the audio).
    Read `committed`, `pending` and `error` at any time; `costs` are the seconds each step took.
    """

    get_engine: Callable[[], Recognizer]
    audio: LiveAudio = field(default_factory=LiveAudio)
    guard: float = GUARD
    interval: float = STEP_INTERVAL
    committed: list[Word] = field(default_factory=list)
    pending: list[Word] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    error: BaseException | None = None

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="prepis-dictation", daemon=True)

    def start(self) -> LiveWorker:
        self._thread.start()
        return self

    def snapshot(self) -> tuple[list[Word], list[Word]]:
        """(committed, pending) words so far: copies of the lists, the same final words every time."""
        with self._lock:
            return list(self.committed), list(self.pending)

    def stop(self) -> None:
        """End without waiting: the worker decides the last words on its own and ends."""
        self._stop.set()

    def finish(self, timeout: float | None = None) -> list[Word]:
        """No more audio comes: wait for the last step (it commits every word) and return all final words.

        Raises what the worker met (a model that could not be loaded, a defect)."""
        self._stop.set()
        self._thread.join(timeout)
        if self.error is not None:
            raise self.error
        return list(self.committed)

    def _run(self) -> None:
        try:
            decoder = LiveDecoder(self.get_engine(), self.audio, self.guard)
            while not self._stop.wait(self._until_next()):
                if self.audio.seconds - decoder.point >= MIN_WINDOW:
                    self._publish(decoder)
            self._publish(decoder, final=True)
        except BaseException as e:  # handed to whoever calls finish()
            self.error = e

    def _until_next(self) -> float:
        return max(0.0, self.interval - (self.costs[-1] if self.costs else 0.0))

    def _publish(self, decoder: LiveDecoder, final: bool = False) -> None:
        started = time.perf_counter()
        update = decoder.step(final)
        self.costs.append(time.perf_counter() - started)
        with self._lock:
            self.committed += update.committed
            self.pending = [] if final else update.pending


def live_transcript(words: Sequence[Word], audio: Audio, backend: BackendInfo, options: TranscribeOptions,
                    processing_time: float = 0.0) -> Transcript:
    """The transcript of a finished dictation: its final words grouped into segments as a file's would be
    (asr.pipeline.SegmentBuilder), with readable text when the options ask for it."""
    builder = SegmentBuilder(options.segment_pause, options.max_segment)
    segments = builder.add(words) + builder.finish()
    if options.text == "readable":
        segments = make_readable(segments)
    info = TranscriptionInfo.of(audio.info, backend, options.to_dict())
    return Transcript(segments, info, round(processing_time, 3))
