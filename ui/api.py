"""The app's named API endpoints for gradio_client: /transcribe (file -> transcript JSON) and
/export (transcript JSON + format -> file). They keep nothing in the review store."""

from __future__ import annotations

import json

import gradio as gr

from asr.exports import FORMATS
from asr.options import TranscribeOptions
from asr.types import Transcript
from ui.handlers import export_file, user_error
from ui.service import ModelService


class Api:
    def __init__(self, service: ModelService):
        self.service = service

    def transcribe(self, audio: str, progress=gr.Progress()) -> dict:  # noqa: B008 (gradio injects it)
        """Transcribe an audio or video file with the app's default model; returns the transcript as JSON
        (segments with words, times in seconds, confidences)."""
        if not audio:
            raise gr.Error("Give an audio or video file.")
        name = audio.rsplit("/", 1)[-1]

        def report(fraction: float, message: str) -> None:
            progress(fraction, desc=message)

        try:
            *_, transcript = self.service.stream(None, None, audio, TranscribeOptions(), name, report)
            return transcript.to_dict()
        except Exception as e:
            raise user_error("en", e) from e

    def export(self, transcript: dict | str, fmt: str) -> str:
        """Write a transcript (the JSON /transcribe returns, edited or not) as txt, srt, vtt, json or docx."""
        try:
            data = json.loads(transcript) if isinstance(transcript, str) else transcript
            if not isinstance(data, dict):
                raise ValueError("the transcript must be a JSON object like the one /transcribe returns")
            if str(fmt).lower() not in FORMATS:
                raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
            return str(export_file(Transcript.from_dict(data), fmt))
        except (KeyError, TypeError) as e:
            raise gr.Error(f"This is not a transcript like the one /transcribe returns: {e}") from e
        except Exception as e:
            raise user_error("en", e) from e


def build_api(api: Api, concurrency: int) -> None:
    """Hidden components behind the two endpoints (they show in the app's "Use via API" page)."""
    with gr.Column(visible=False):
        audio = gr.File(label="audio", type="filepath")
        transcript = gr.JSON(label="transcript")
        fmt = gr.Dropdown(list(FORMATS), value="srt", label="fmt")
        file = gr.File(label="file")
        gr.Button("transcribe").click(api.transcribe, [audio], [transcript], api_name="transcribe",
                                      concurrency_limit=concurrency, concurrency_id="asr")
        gr.Button("export").click(api.export, [transcript, fmt], [file], api_name="export")
