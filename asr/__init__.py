"""Prepis ASR core: Slovenian speech to a timed transcript. Never imports gradio.

    from asr import transcribe
    transcript = transcribe("intervju.mp3")          # model, device and backend from the environment
    print(transcript.text, transcript.segments[0].words[0])   # readable text; the raw timed words

    from asr import readable
    readable("dober dan kako ste")                    # 'Dober dan, kako ste?'
"""

from __future__ import annotations

from dataclasses import replace

from asr.audio import AudioSource
from asr.backends import Progress, no_progress
from asr.errors import AudioError, PrepisError
from asr.options import TranscribeOptions
from asr.text import readable
from asr.types import Segment, Transcript, Word

__all__ = ["AudioError", "PrepisError", "Segment", "Transcript", "TranscribeOptions", "Word", "readable",
           "transcribe"]


def transcribe(source: AudioSource, *, model: str | None = None, device: str | None = None,
               precision: str | None = None, options: TranscribeOptions = TranscribeOptions(),
               progress: Progress = no_progress, filename: str | None = None) -> Transcript:
    """Transcribe a file path or encoded bytes; `model`/`device`/`precision` override ASR_MODEL/ASR_DEVICE/
    ASR_PRECISION. Raises a PrepisError (AudioError, ModelError, RunPodError, ...) saying what went wrong."""
    from asr import pipeline
    from asr.backends import get_backend
    from asr.config import load_settings

    settings = load_settings()
    settings = replace(settings, model=model or settings.model, device=device or settings.device,
                       precision=precision or settings.precision)
    return pipeline.transcribe(get_backend(settings), source, options, progress, filename)
