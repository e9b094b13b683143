"""The app's named API endpoints for gradio_client: /transcribe (file -> transcript JSON) and
/export (transcript JSON + format -> file). They keep nothing in the review store."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from asr.errors import RequestError
from asr.exports import FORMATS
from asr.options import TEXT_MODES, TranscribeOptions
from asr.pipeline import load_audio
from asr.types import Transcript
from ui.handlers import export_file, user_error
from ui.service import ModelService


class Api:
    def __init__(self, service: ModelService):
        self.service = service

    def transcribe(self, audio: str, text: str = "readable",
                   progress=gr.Progress()) -> dict:  # noqa: B008 (gradio injects it)
        """Transcribe an audio or video file with the app's default model; returns the transcript as JSON
        (segments with words, times in seconds, confidences). `text`: "readable" (default: punctuation,
        capitals, numbers as digits, each token mapped to its raw words) or "raw" (the words as recognised)."""
        if not audio:
            raise gr.Error("Give an audio or video file.")

        def report(fraction: float, message: str) -> None:
            progress(fraction, desc=message)

        try:
            options = TranscribeOptions(text=text or "readable")
            decoded = load_audio(audio, options.limits, Path(audio).name)
            *_, last = self.service.stream(None, None, decoded, options, report)
            return last.transcript.to_dict()
        except Exception as e:
            raise user_error("en", e) from e

    def export(self, transcript: dict | str, fmt: str) -> str:
        """Write a transcript (the JSON /transcribe returns, edited or not) as txt, srt, vtt, json or docx."""
        try:
            try:
                data = json.loads(transcript) if isinstance(transcript, str) else transcript
            except ValueError as e:
                raise RequestError("The transcript is not valid JSON; send the object /transcribe returns.") from e
            if str(fmt).lower() not in FORMATS:
                raise RequestError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.")
            return str(export_file(Transcript.from_dict(data), str(fmt).lower()))
        except Exception as e:
            raise user_error("en", e) from e


def build_api(api: Api, concurrency: int) -> None:
    """Hidden components behind the two endpoints (they show in the app's "Use via API" page)."""
    with gr.Column(visible=False):
        audio = gr.File(label="audio", type="filepath")
        transcript = gr.JSON(label="transcript")
        fmt = gr.Dropdown(list(FORMATS), value="srt", label="fmt")
        text = gr.Dropdown(list(TEXT_MODES), value="readable", label="text")
        file = gr.File(label="file")
        gr.Button("transcribe").click(api.transcribe, [audio, text], [transcript], api_name="transcribe",
                                      concurrency_limit=concurrency, concurrency_id="asr")
        gr.Button("export").click(api.export, [transcript, fmt], [file], api_name="export")
