"""Prepis ASR core: Slovenian speech to a timed transcript. Never imports gradio.

    from asr import transcribe
    transcript = transcribe("intervju.mp3")          # model, device and backend from the environment
    print(transcript.text, transcript.segments[0].words[0])
"""

from __future__ import annotations

from dataclasses import replace

from asr.audio import AudioError, AudioSource
from asr.options import TranscribeOptions
from asr.pipeline import Progress, no_progress
from asr.types import Segment, Transcript, Word

__all__ = ["AudioError", "Segment", "Transcript", "TranscribeOptions", "Word", "transcribe"]


def transcribe(source: AudioSource, *, model: str | None = None, device: str | None = None,
               options: TranscribeOptions = TranscribeOptions(), progress: Progress = no_progress,
               filename: str | None = None) -> Transcript:
    """Transcribe a file path or encoded bytes; `model`/`device` override ASR_MODEL/ASR_DEVICE."""
    from asr import pipeline
    from asr.backends import make_backend
    from asr.config import load_settings

    settings = load_settings()
    settings = replace(settings, model=model or settings.model, device=device or settings.device)
    return pipeline.transcribe(make_backend(settings), source, options, progress, filename)
