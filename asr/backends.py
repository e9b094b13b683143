"""Where transcription runs: one Backend contract, the local backend, and the one cache of loaded backends.

Every backend (LocalBackend here, asr.runpod_client.RunPodBackend) turns 16 kHz mono samples into timed
words, batch by batch in time order, and says what it runs (`info`). asr.pipeline drives them; the UI, the
CLI and the worker get their backend from `get_backend`, which loads a model once per process.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Protocol, runtime_checkable

import numpy as np

from asr import models
from asr.audio import SAMPLE_RATE
from asr.config import Settings
from asr.options import TranscribeOptions
from asr.segmenter import Chunk, plan_chunks
from asr.types import BackendInfo, Word

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]  # fraction done in [0, 1], a message
MAX_LOADED_MODELS = 2  # local models kept in memory at once (the least recently used is dropped)


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: ignores the report."""


@runtime_checkable
class Backend(Protocol):
    @property
    def info(self) -> BackendInfo:
        """The model, backend name, device and precision (a remote backend learns them from its results)."""

    def stream(self, samples: np.ndarray, options: TranscribeOptions, plan: Sequence[Chunk] | None = None,
               progress: Progress = no_progress) -> Iterator[list[Word]]:
        """The words of `samples`, batch by batch in time order, times in seconds of the whole audio.

        `plan`: the chunks to recognise (planned elsewhere over the same audio); None plans them here.
        Closing the iterator stops the work.
        """


def batched(chunks, size: int) -> Iterator[list[Chunk]]:
    it = iter(chunks)
    while batch := list(islice(it, size)):
        yield batch


class LocalBackend:
    """Transcribes on this machine's GPU or CPU with one asr.engine.Engine."""

    def __init__(self, engine):
        self.engine = engine

    @property
    def info(self) -> BackendInfo:
        return self.engine.info

    def stream(self, samples: np.ndarray, options: TranscribeOptions, plan: Sequence[Chunk] | None = None,
               progress: Progress = no_progress) -> Iterator[list[Word]]:
        total = samples.size / SAMPLE_RATE
        chunks = plan_chunks(samples, options.max_chunk) if plan is None else plan
        for batch in batched(chunks, options.batch_size):
            recognized = self.engine.recognize([samples[c.start : c.end] for c in batch])
            yield [w.shifted(c.offset) for c, words in zip(batch, recognized, strict=True) for w in words]
            done = batch[-1].end / SAMPLE_RATE
            progress(done / total, f"{done:.0f} s of {total:.0f} s transcribed")


_cache: OrderedDict[Settings, Backend] = OrderedDict()
_cache_lock = threading.Lock()


def get_backend(settings: Settings, download_progress: models.ByteProgress | None = None) -> Backend:
    """The backend for `settings`, made on first use (a catalogue model is downloaded, then loaded) and reused.

    This is the only cache of loaded models: at most MAX_LOADED_MODELS local ones are kept.
    """
    with _cache_lock:
        if settings in _cache:
            _cache.move_to_end(settings)
            return _cache[settings]
        backend = _make(settings, download_progress)
        _cache[settings] = backend
        local = [k for k in _cache if k.provider == "local"]
        for stale in local[:-MAX_LOADED_MODELS]:
            log.info("unloading model %s", stale.model)
            del _cache[stale]
        return backend


def loaded_backends() -> list[Backend]:
    """The backends loaded so far, the most recently used last."""
    with _cache_lock:
        return list(_cache.values())


def _make(settings: Settings, download_progress: models.ByteProgress | None) -> Backend:
    if settings.provider == "runpod":
        from asr.runpod_client import RunPodBackend

        return RunPodBackend.from_settings(settings)
    from asr.engine import Engine

    path, name = models.ensure(settings.model, settings.models_dir, download_progress)
    log.info("loading model %s on %s", path, settings.device)
    return LocalBackend(Engine(path, name=name, device=settings.device, precision=settings.precision))
