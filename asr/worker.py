"""RunPod serverless worker: the seed's request and response, plus what the fan-out client needs.

Start it with `python -m asr.worker` (on RunPod), or `python -m asr.worker --rp_serve_api --rp_api_port 8000`
for the runpod package's local test server (POST /runsync, POST /run then POST /status/{id}).
Nothing happens at import; the model (ASR_MODEL) is loaded once per process, before the first job.

Request `{"input": {...}}`, every key optional except one of the two audio sources:
  audio_base64  the bytes of any audio/video file the core decodes (WAV, FLAC, MP3, OGG, M4A, ...), base64
  audio_url     or an http(s) address to download it from (size-limited)
  filename      shown in logs only
  timestamps    true: add `segments` with timed words and confidences
  chunks        [[start, end, keep_start, keep_end], ...] sample ranges (16 kHz) as the client planned them
                over the whole recording: what the model hears, and the span whose words it keeps ([start, end]
                keeps them all); without it the worker finds speech itself, as the local backend does
  max_chunk, cut_context, batch_size   as in asr.options.TranscribeOptions
Answer: {"text", "processing_time", "duration", "model": {"name", "file_sha256"}, "backend", "device",
"precision"[, "segments"]}.
The worker does not find speakers: a job is often one part of a recording, and speakers are found where the
parts are joined (the app or CLI, asr.pipeline), over the whole recording.
Bad input answers {"error": "<sentence>"} (a string), which RunPod turns into a FAILED job with that text.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import time
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from asr.backends import Backend, Progress, get_backend, no_progress
from asr.config import Settings, load_settings
from asr.errors import PrepisError, RequestError, log_unexpected
from asr.options import SPEAKERS_OFF, TranscribeOptions
from asr.pipeline import transcribe_stream
from asr.segmenter import Chunk
from asr.types import Transcript

log = logging.getLogger(__name__)

URL_TIMEOUT = 30  # seconds without data before an audio_url download gives up
URL_BLOCK = 1 << 20  # bytes per read
MAX_CHUNKS = 100_000  # ranges in one request


@dataclass(frozen=True)
class Request:
    audio: bytes
    filename: str
    timestamps: bool
    chunks: tuple[Chunk, ...] | None
    options: TranscribeOptions


def worker_options(settings: Settings) -> TranscribeOptions:
    """The limits this worker applies to every job (PREPIS_WORKER_MAX_SECONDS, PREPIS_WORKER_MAX_MB)."""
    return TranscribeOptions(max_duration=settings.worker_max_seconds,
                             max_bytes=int(settings.worker_max_mb * 1024**2))


def parse_request(job_input, limits: TranscribeOptions) -> Request:
    """Validate a job's input; RequestError says what is wrong."""
    if not isinstance(job_input, dict):
        raise RequestError("The job input must be a JSON object with audio_base64 (or audio_url).")
    if job_input.get("audio_base64"):
        audio = read_base64(job_input["audio_base64"], limits.max_bytes)
    elif job_input.get("audio_url"):
        audio = download(job_input["audio_url"], limits.max_bytes)
    else:
        raise RequestError("The job has no audio: send the file's bytes as audio_base64, or an audio_url.")
    options = TranscribeOptions(
        max_chunk=_number(job_input, "max_chunk", TranscribeOptions.max_chunk),
        cut_context=_number(job_input, "cut_context", TranscribeOptions.cut_context),
        batch_size=int(_number(job_input, "batch_size", TranscribeOptions.batch_size)),
        max_duration=limits.max_duration,
        max_bytes=limits.max_bytes,
        speakers=SPEAKERS_OFF,  # a job is a part of a recording: speakers are found where the parts are joined
    )
    return Request(audio, str(job_input.get("filename") or "audio"), bool(job_input.get("timestamps")),
                   parse_chunks(job_input.get("chunks")), options)


def _number(job_input: dict, key: str, default: float) -> float:
    value = job_input.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{key} must be a number, not {value!r}.")
    return value


def read_base64(text, max_bytes: int) -> bytes:
    if not isinstance(text, str):
        raise RequestError("audio_base64 must be a string holding the base64-encoded audio file.")
    if text.startswith("data:") and "," in text[:200]:  # a data: URI from a browser
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    if len(text) // 4 * 3 > max_bytes:
        raise RequestError(f"The audio is {len(text) * 3 / 4 / 1024**2:.1f} MB; this worker accepts at most "
                           f"{max_bytes / 1024**2:.0f} MB. Split the recording or compress it (FLAC, MP3).")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RequestError(f"audio_base64 is not valid base64 ({e}). Encode the file's bytes with base64.") from e


def download(url, max_bytes: int) -> bytes:
    """Fetch audio_url, refusing anything bigger than max_bytes; the message never repeats the URL's query."""
    import requests

    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise RequestError("audio_url must be an http:// or https:// address.")
    where = f"{parts.scheme}://{parts.netloc}{parts.path}"
    try:
        with requests.get(url, stream=True, timeout=URL_TIMEOUT) as r:
            if r.status_code != 200:
                raise RequestError(f"audio_url {where} could not be downloaded: the server answered HTTP "
                                   f"{r.status_code}.")
            data = bytearray()
            for block in r.iter_content(URL_BLOCK):
                data += block
                if len(data) > max_bytes:
                    raise RequestError(f"The audio at {where} is bigger than this worker's limit of "
                                       f"{max_bytes / 1024**2:.0f} MB. Split the recording or compress it.")
    except requests.RequestException as e:
        raise RequestError(f"audio_url {where} could not be downloaded ({type(e).__name__}).") from e
    return bytes(data)


def parse_chunks(value) -> tuple[Chunk, ...] | None:
    """[[start, end], ...] or [[start, end, keep_start, keep_end], ...] -> Chunks, checked."""
    if value is None:
        return None
    message = ("chunks must be a list of [start, end] or [start, end, keep_start, keep_end] sample ranges in "
               "order, start < end, keep spans inside them and not overlapping.")
    if not isinstance(value, list) or not value or len(value) > MAX_CHUNKS:
        raise RequestError(message)
    chunks, previous_keep_end = [], 0
    for item in value:
        if (not isinstance(item, (list, tuple)) or len(item) not in (2, 4)
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in item)):
            raise RequestError(message)
        start, end, keep_start, keep_end = item if len(item) == 4 else (*item, *item)
        if not (0 <= start <= keep_start < keep_end <= end and previous_keep_end <= keep_start):
            raise RequestError(message)
        chunks.append(Chunk(start, end, keep_start, keep_end))
        previous_keep_end = keep_end
    return tuple(chunks)


def worker_backend() -> Backend:
    """The process-wide local backend for ASR_MODEL / ASR_DEVICE / ASR_PRECISION (asr.backends' one cache)."""
    settings = load_settings()
    return get_backend(replace(settings, provider="local"))


def run(request: Request) -> dict:
    """Transcribe one validated request through the same pipeline as the local backend."""
    backend = worker_backend()
    if request.chunks is not None:  # cut where the client planned, over the whole recording
        backend = Planned(backend, request.chunks)
    *_, last = transcribe_stream(backend, request.audio, request.options, filename=request.filename)
    return to_output(last.transcript, request.timestamps)


class Planned:
    """A backend that recognises the chunks a client planned instead of planning its own."""

    def __init__(self, backend: Backend, chunks: tuple[Chunk, ...]):
        self.backend, self.chunks = backend, chunks

    @property
    def info(self):
        return self.backend.info

    def stream(self, samples, options: TranscribeOptions, plan=None, progress: Progress = no_progress):
        if self.chunks[-1].end > samples.size:
            raise RequestError(f"chunks reach sample {self.chunks[-1].end}, but the audio has {samples.size} "
                               "samples at 16 kHz.")
        return self.backend.stream(samples, options, self.chunks, progress)


def to_output(transcript: Transcript, timestamps: bool) -> dict:
    info = transcript.info
    output = {
        "text": transcript.text,
        "processing_time": transcript.processing_time,
        "duration": info.audio.duration,
        "model": info.model.to_dict(),
        "backend": info.backend,
        "device": info.device,
        "precision": info.precision,
    }
    if timestamps:
        output["segments"] = [s.to_dict() for s in transcript.segments]
    return output


def handler(job: dict) -> dict:
    """RunPod's entry point: one job in, the seed's answer out; failures as {"error": "<sentence>"}."""
    started = time.perf_counter()
    job_id = job.get("id") if isinstance(job, dict) else None
    job_input = job.get("input") if isinstance(job, dict) else None
    try:
        request = parse_request(job_input, worker_options(load_settings()))
        log.info("job %s: %s, %.1f MB", job_id, request.filename, len(request.audio) / 1024**2)
        output = run(request)
    except PrepisError as e:  # bad request, audio or options: the sentence says what to send instead
        log.info("job %s refused: %s", job_id, e)
        return {"error": str(e)}
    except Exception as e:  # a defect: the details stay in the worker's log, found by the reference
        reference = log_unexpected(log, e, f"in job {job_id}")
        return {"error": f"The worker failed while transcribing (reference {reference} in the worker's log)."}
    log.info("job %s done in %.2f s", job_id, time.perf_counter() - started)
    return output


def main() -> None:
    os.environ.setdefault("RUNPOD_LOG_LEVEL", "INFO")  # runpod's DEBUG level would log every transcript
    import runpod

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker_options(load_settings())  # refuse bad limits before taking jobs
    info = worker_backend().info  # load the model before the first job, not during it
    log.info("model %s ready on %s (%s)", info.model.name, info.backend, info.precision)
    runpod.serverless.start({"handler": handler})


if __name__ == "__main__":
    main()
