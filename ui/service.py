"""The models behind the app: loaded once per process and shared by all browsers, with a visible status.

On Hugging Face ZeroGPU hardware the transcription runs inside `spaces.GPU`, with a duration scaled to
the length of the audio; elsewhere the `spaces` package is not needed and nothing is wrapped.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from asr import models
from asr.backends import make_backend
from asr.config import Settings
from asr.options import TranscribeOptions
from asr.pipeline import Progress, no_progress, transcribe_stream
from asr.types import Transcript
from ui.i18n import t

log = logging.getLogger(__name__)

GPU_BASE_SECONDS = 30  # ZeroGPU time for loading and the first batch
GPU_AUDIO_SPEED = 40.0  # seconds of audio transcribed per GPU second, with margin
GPU_MAX_SECONDS = 600

_backends: dict[Settings, object] = {}  # one loaded model per settings, shared (models, not user data)
_backends_lock = threading.Lock()


def get_backend(settings: Settings, download_progress: models.ByteProgress | None = None):
    """The backend for `settings`, made (and its model downloaded and loaded) on first use."""
    with _backends_lock:
        if settings not in _backends:
            _backends[settings] = make_backend(settings, download_progress)
        return _backends[settings]


def audio_seconds(source) -> float:
    """The container's idea of the duration (cheap; 0 when unknown)."""
    import av

    try:
        with av.open(str(source), metadata_errors="ignore") as container:
            return (container.duration or 0) / 1_000_000
    except (av.error.FFmpegError, OSError):
        return 0.0


def gpu_seconds(settings: Settings, source, options: TranscribeOptions, filename: str | None) -> int:
    """ZeroGPU duration for one file: a base plus time proportional to the audio."""
    return math.ceil(min(GPU_MAX_SECONDS, GPU_BASE_SECONDS + audio_seconds(source) / GPU_AUDIO_SPEED))


def stream_transcripts(settings: Settings, source, options: TranscribeOptions, filename: str | None
                       ) -> Iterator[Transcript]:
    """The growing transcript of `source` (the function ZeroGPU runs on its GPU)."""
    yield from transcribe_stream(get_backend(settings), source, options, no_progress, filename)


def on_zero_gpu() -> bool:
    return bool(os.environ.get("SPACES_ZERO_GPU"))


@dataclass
class ModelStatus:
    state: str = "idle"  # idle | download | loading | ready | error
    name: str = ""
    done: int = 0  # bytes downloaded
    total: int = 0
    error: str = ""


class ModelService:
    """Where transcription runs (this machine or RunPod), which models there are, and their status."""

    def __init__(self, settings: Settings):
        self.settings = settings
        name = settings.model if settings.model in models.CATALOGUE else Path(settings.model).name
        self.status = ModelStatus(name=name)
        self._gpu_stream = None
        if on_zero_gpu():
            import spaces  # present on Hugging Face ZeroGPU hardware

            self._gpu_stream = spaces.GPU(duration=gpu_seconds)(stream_transcripts)

    @property
    def runpod_configured(self) -> bool:
        return bool(self.settings.runpod_api_key and self.settings.runpod_endpoint_id)

    def places(self) -> list[str]:
        return ["local", "runpod"] if self.runpod_configured else ["local"]

    def model_choices(self) -> list[str]:
        names = list(models.CATALOGUE)
        return names if self.settings.model in names else [self.settings.model, *names]

    def settings_for(self, where: str | None, model: str | None) -> Settings:
        where = where if where in self.places() else self.settings.provider
        if where == "runpod":
            return replace(self.settings, provider="runpod")
        choice = model if model in self.model_choices() else self.settings.model
        return replace(self.settings, provider="local", model=choice)

    def warm_up(self) -> threading.Thread:
        """Download (if needed) and load the default model in the background; `status` tells how far it is."""
        thread = threading.Thread(target=self._warm_up, name="prepis-model", daemon=True)
        thread.start()
        return thread

    def _warm_up(self) -> None:
        status = self.status
        status.state = "loading"

        def downloading(done: int, total: int | None) -> None:
            status.state, status.done, status.total = "download", done, total or 0

        try:
            get_backend(self.settings_for(self.settings.provider, self.settings.model), downloading)
            status.state = "ready"
        except Exception as e:  # shown to the operator in the app; the app still starts
            log.exception("model %s could not be prepared", self.settings.model)
            status.state, status.error = "error", str(e)

    def status_text(self, lang: str) -> str:
        s = self.status
        if self.settings.provider == "runpod" and s.state == "ready":
            return t(lang, "runpod_ready")
        if s.state == "ready":
            where = os_device_name()
            return t(lang, "model_ready", name=s.name, where=where)
        if s.state == "download":
            return t(lang, "model_download", name=s.name, done=s.done // 2**20, total=s.total // 2**20 or "?")
        if s.state == "error":
            return t(lang, "model_error", error=s.error)
        return t(lang, "model_loading", name=s.name)

    def stream(self, where: str | None, model: str | None, source, options: TranscribeOptions,
               filename: str | None, progress: Progress = no_progress,
               downloading: models.ByteProgress | None = None) -> Iterator[Transcript]:
        """The growing transcript; `progress` is called on this machine (on ZeroGPU it is not), `downloading`
        while a model that is not here yet downloads."""
        settings = self.settings_for(where, model)
        if self._gpu_stream is not None and settings.provider == "local":
            return self._gpu_stream(settings, source, options, filename)
        return transcribe_stream(get_backend(settings, downloading), source, options, progress, filename)


def os_device_name() -> str:
    backend = next(iter(_backends.values()), None)
    return backend.describe()[1] if backend is not None else "local"
