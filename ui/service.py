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
from asr.backends import Progress, get_backend, loaded_backends, no_progress
from asr.config import Settings
from asr.errors import PrepisError, log_unexpected
from asr.options import TranscribeOptions
from asr.pipeline import Audio, Update, transcribe_stream
from ui.i18n import t

log = logging.getLogger(__name__)

GPU_BASE_SECONDS = 30  # ZeroGPU time for loading and the first batch
GPU_AUDIO_SPEED = 40.0  # seconds of audio transcribed per GPU second, with margin
GPU_MAX_SECONDS = 600

def gpu_seconds(settings: Settings, audio: Audio, options: TranscribeOptions) -> int:
    """ZeroGPU duration for one file: a base plus time proportional to the audio."""
    return math.ceil(min(GPU_MAX_SECONDS, GPU_BASE_SECONDS + audio.info.duration / GPU_AUDIO_SPEED))


def stream_updates(settings: Settings, audio: Audio, options: TranscribeOptions) -> Iterator[Update]:
    """The transcription of `audio`, step by step (the function ZeroGPU runs on its GPU)."""
    yield from transcribe_stream(get_backend(settings), audio, options, no_progress)


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

            self._gpu_stream = spaces.GPU(duration=gpu_seconds)(stream_updates)

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
        except PrepisError as e:  # shown to the operator in the app; the app still starts
            log.error("model %s could not be prepared: %s", self.settings.model, e)
            status.state, status.error = "error", str(e)
        except Exception as e:
            reference = log_unexpected(log, e, f"preparing model {self.settings.model}")
            status.state, status.error = "error", f"reference {reference} in the server's log"

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

    def aligner(self, model: str | None = None):
        """The local backend whose model aligns text (asr.align, asr.script): the transcript's model when the app
        has it, else the default one (loaded, or downloaded, on first use)."""
        return get_backend(self.settings_for("local", model))

    def stream(self, where: str | None, model: str | None, audio: Audio, options: TranscribeOptions,
               progress: Progress = no_progress, downloading: models.ByteProgress | None = None,
               cancel: threading.Event | None = None) -> Iterator[Update]:
        """The transcription of decoded `audio`, step by step; `progress` is called on this machine (on ZeroGPU
        it is not), `downloading` while a model that is not here yet downloads; `cancel` stops it."""
        settings = self.settings_for(where, model)
        if self._gpu_stream is not None and settings.provider == "local":
            return self._gpu_stream(settings, audio, options)
        return transcribe_stream(get_backend(settings, downloading), audio, options, progress, cancel=cancel)


def os_device_name() -> str:
    loaded = loaded_backends()
    return loaded[-1].info.backend if loaded else "local"
