"""The app's named API endpoints for gradio_client: /transcribe (file -> transcript JSON), /align (file + the
text said in it -> transcript JSON) and /export (transcript JSON + format [+ options JSON] [+ audio for the
training manifest] -> file). They keep nothing in the review store."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from asr.errors import RequestError
from asr.exports import FORMATS, ExportOptions, needs_audio
from asr.limits import export_format, transcript_from_request
from asr.options import SPEAKERS_AUTO, TEXT_MODES, TranscribeOptions
from asr.pipeline import load_audio
from asr.script import align_recording
from ui.handlers import export_file, user_error
from ui.service import ModelService

EXPORT_CONCURRENCY = 4  # exports that run at once, apart from transcriptions: a big one never blocks the rest


class Api:
    def __init__(self, service: ModelService):
        self.service = service

    def transcribe(self, audio: str, speakers: str = SPEAKERS_AUTO, text: str = "readable",
                   progress=gr.Progress()) -> dict:  # noqa: B008 (gradio injects it)
        """Transcribe an audio or video file with the app's default model; returns the transcript as JSON
        (segments with words, times in seconds, confidences, and a speaker per segment and word).
        `speakers`: "auto" (found), "off", or how many there are ("1" to "8"). `text`: "readable" (default:
        punctuation, capitals, numbers as digits, each token mapped to its raw words) or "raw"."""
        if not audio:
            raise gr.Error("Give an audio or video file.")

        def report(fraction: float, message: str) -> None:
            progress(fraction, desc=message)

        try:
            options = TranscribeOptions(speakers=speakers or SPEAKERS_AUTO, text=text or "readable")
            decoded = load_audio(audio, options.limits, Path(audio).name)
            *_, last = self.service.stream(None, None, decoded, options, report)
            return last.transcript.to_dict()
        except Exception as e:
            raise user_error("en", e) from e

    def align(self, audio: str, script: str, progress=gr.Progress()) -> dict:  # noqa: B008 (gradio injects it)
        """Align a known text (paragraphs parted by blank lines) to an audio or video file with the app's default
        model; returns the transcript JSON: the script's segments, words with times, words not heard marked
        ``"aligned": false``."""
        if not audio:
            raise gr.Error("Give an audio or video file.")

        def report(fraction: float, message: str) -> None:
            progress(fraction, desc=message)

        try:
            options = TranscribeOptions()
            decoded = load_audio(audio, options.limits, Path(audio).name)
            return align_recording(self.service.aligner(), decoded, str(script or ""), options, report).to_dict()
        except Exception as e:
            raise user_error("en", e) from e

    def export(self, transcript: dict | str, fmt: str, options: dict | str | None = None,
               audio: str | None = None) -> str:
        """Write a transcript (the JSON /transcribe returns, edited or not) in a format (case-insensitive):
        txt, srt, vtt, json, docx, eaf, textgrid, csv, manifest (needs the audio file), report. `options` is an
        optional JSON object, e.g. {"subtitles": "broadcast", "lang": "en", "txt": "timed", "date": "1 May 2026"}.
        The transcript is checked first (asr.limits: size, shape, times) and refused with a sentence if unusable."""
        try:
            checked = transcript_from_request(transcript)
            fmt = export_format(fmt, FORMATS)
            export_options = ExportOptions.from_dict(_json(options, "The options are not valid JSON."))
            samples = None
            if needs_audio(fmt) and audio:
                samples = load_audio(audio, TranscribeOptions().limits, Path(audio).name).samples
            return str(export_file(checked, fmt, export_options, samples))
        except Exception as e:
            raise user_error("en", e) from e


def _json(value, problem: str):
    """A JSON argument that may arrive as text or already parsed; RequestError(problem) if it is not JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value) if value.strip() else None
    except ValueError as e:
        raise RequestError(problem) from e


def build_api(api: Api, concurrency: int) -> None:
    """Hidden components behind the endpoints (they show in the app's "Use via API" page)."""
    with gr.Column(visible=False):
        audio = gr.File(label="audio", type="filepath")
        script = gr.Textbox(label="script")
        speakers = gr.Textbox(SPEAKERS_AUTO, label="speakers")
        transcript = gr.JSON(label="transcript")
        fmt = gr.Textbox(value="srt", label="fmt")
        options = gr.JSON(value=None, label="options")
        text = gr.Dropdown(list(TEXT_MODES), value="readable", label="text")
        file = gr.File(label="file")
        gr.Button("transcribe").click(api.transcribe, [audio, speakers, text], [transcript], api_name="transcribe",
                                      concurrency_limit=concurrency, concurrency_id="asr")
        gr.Button("align").click(api.align, [audio, script], [transcript], api_name="align",
                                 concurrency_limit=concurrency, concurrency_id="asr")
        gr.Button("export").click(api.export, [transcript, fmt, options, audio], [file], api_name="export",
                                  concurrency_limit=EXPORT_CONCURRENCY, concurrency_id="export")
