"""RunPod serverless worker: the seed's request and response, plus what the fan-out client needs.

Start it with `python -m asr.worker` (on RunPod), or `python -m asr.worker --rp_serve_api --rp_api_port 8000`
for the runpod package's local test server (POST /runsync, POST /run then POST /status/{id}).
Nothing happens at import; the model (ASR_MODEL) is loaded once per process, before the first job.

Request `{"input": {...}}`, every key optional except one of the two audio sources:
  audio_base64  the bytes of any audio/video file the core decodes (WAV, FLAC, MP3, OGG, M4A, ...), base64
  audio_url     or an http(s) address to download it from: public addresses only (or the hosts in
                PREPIS_WORKER_URL_HOSTS; `off` refuses all), size- and time-limited (asr.fetch)
  filename      a string, shown in logs only
  timestamps    true or false: add `segments` with timed words and confidences
  chunks        [[start, end], ...] sample ranges (16 kHz) to recognise, as the client planned them over the
                whole recording (at most MAX_MODEL_INPUT seconds each); without it the worker finds speech
                itself, as the local backend does
  max_chunk (a number), batch_size (a whole number)   as in asr.options.TranscribeOptions
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

from asr.audio import SAMPLE_RATE, too_big
from asr.backends import Backend, Progress, get_backend, no_progress
from asr.config import Settings, load_settings
from asr.errors import PrepisError, RequestError, log_unexpected
from asr.fetch import FetchPolicy, fetch
from asr.options import MAX_MODEL_INPUT, SPEAKERS_OFF, TranscribeOptions, check_batch
from asr.pipeline import transcribe_stream
from asr.segmenter import Chunk
from asr.types import Transcript

log = logging.getLogger(__name__)

MAX_CHUNKS = 100_000  # ranges in one request
MAX_CHUNK_SAMPLES = int(MAX_MODEL_INPUT * SAMPLE_RATE)  # the longest range one model call may hear
MAX_FILENAME = 255  # characters


@dataclass(frozen=True)
class Request:
    audio: bytes
    filename: str
    timestamps: bool
    chunks: tuple[Chunk, ...] | None
    options: TranscribeOptions


@dataclass(frozen=True)
class Limits:
    """What this worker accepts (PREPIS_WORKER_MAX_SECONDS, PREPIS_WORKER_MAX_MB, PREPIS_WORKER_URL_HOSTS)."""

    options: TranscribeOptions
    fetch: FetchPolicy


def worker_limits(settings: Settings) -> Limits:
    """The limits this worker applies to every job."""
    options = TranscribeOptions(max_duration=settings.worker_max_seconds,
                                max_bytes=int(settings.worker_max_mb * 1024**2))
    return Limits(options, FetchPolicy.parse(settings.worker_url_hosts))


def parse_request(job_input, limits: Limits) -> Request:
    """Validate a job's input, strictly typed; RequestError says what is wrong."""
    if not isinstance(job_input, dict):
        raise RequestError("The job input must be a JSON object with audio_base64 (or audio_url).")
    max_bytes = limits.options.max_bytes
    if job_input.get("audio_base64"):
        audio = read_base64(job_input["audio_base64"], max_bytes)
    elif job_input.get("audio_url"):
        audio = fetch(job_input["audio_url"], max_bytes, limits.fetch)
    else:
        raise RequestError("The job has no audio: send the file's bytes as audio_base64, or an audio_url.")
    options = replace(limits.options,
                      max_chunk=_typed(job_input, "max_chunk", (int, float), TranscribeOptions.max_chunk),
                      batch_size=_typed(job_input, "batch_size", int, TranscribeOptions.batch_size),
                      speakers=SPEAKERS_OFF)  # a job is a part of a recording: speakers are found where it is joined
    filename = _typed(job_input, "filename", str, "audio")[:MAX_FILENAME] or "audio"
    chunks = parse_chunks(job_input.get("chunks"))
    if chunks is not None:
        check_batch(options.batch_size, max(c.end - c.start for c in chunks) / SAMPLE_RATE)
    return Request(audio, filename, _typed(job_input, "timestamps", bool, False), chunks, options)


_KINDS = {bool: "true or false", int: "a whole number", str: "a string", (int, float): "a number"}


def _typed(job_input: dict, key: str, kind, default):
    """job_input[key] if it is of `kind` (a bool is not a number here), else RequestError; absent or null: default."""
    value = job_input.get(key)
    if value is None:
        return default
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    shown = repr(value) if len(repr(value)) <= 40 else f"a {type(value).__name__}"
    raise RequestError(f"{key} must be {_KINDS[kind]}, not {shown}.")


def read_base64(text, max_bytes: int) -> bytes:
    if not isinstance(text, str):
        raise RequestError("audio_base64 must be a string holding the base64-encoded audio file.")
    if text.startswith("data:") and "," in text[:200]:  # a data: URI from a browser
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    if len(text) // 4 * 3 - text[-2:].count("=") > max_bytes:
        raise RequestError(too_big("The audio", max_bytes))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError("audio_base64 is not valid base64. Encode the file's bytes with base64.") from None


def parse_chunks(value) -> tuple[Chunk, ...] | None:
    """[[start, end], ...] -> Chunks, checked (each at most MAX_MODEL_INPUT seconds long: what one model call
    may hear)."""
    if value is None:
        return None
    message = ("chunks must be a list of [start, end] sample ranges in order, not overlapping, start < end, "
               f"each at most {MAX_CHUNK_SAMPLES} samples ({MAX_MODEL_INPUT:g} s) long.")
    if not isinstance(value, list) or not value or len(value) > MAX_CHUNKS:
        raise RequestError(message)
    chunks, previous_end = [], 0
    for item in value:
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in item)):
            raise RequestError(message)
        start, end = item
        if not (previous_end <= start < end and end - start <= MAX_CHUNK_SAMPLES):
            raise RequestError(message)
        chunks.append(Chunk(start, end))
        previous_end = end
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
        request = parse_request(job_input, worker_limits(load_settings()))
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
    worker_limits(load_settings())  # refuse bad limits before taking jobs
    info = worker_backend().info  # load the model before the first job, not during it
    log.info("model %s ready on %s (%s)", info.model.name, info.backend, info.precision)
    runpod.serverless.start({"handler": handler})


if __name__ == "__main__":
    main()
