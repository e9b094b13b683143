"""Choose where transcription runs. Every backend has `stream(samples, options, progress)` and `describe()`,
and is driven by asr.pipeline.transcribe / transcribe_stream."""

from __future__ import annotations

from asr import models
from asr.config import Settings
from asr.engine import load_engine
from asr.pipeline import LocalBackend


def local_backend(settings: Settings, download_progress: models.ByteProgress | None = None) -> LocalBackend:
    """The model of `settings` on this machine, downloading a catalogue model on first use."""
    path, name = models.ensure(settings.model, settings.models_dir, download_progress)
    return LocalBackend(load_engine(str(path), name, settings.device))


def make_backend(settings: Settings, download_progress: models.ByteProgress | None = None):
    if settings.provider == "runpod":
        from asr.runpod_client import RunPodBackend

        return RunPodBackend.from_settings(settings)
    return local_backend(settings, download_progress)
