"""RunPod backend: cut long audio at pauses into jobs, run them on a serverless endpoint in parallel, merge.

The chunks are planned here exactly as the local backend plans them (asr.segmenter.plan_chunks over the whole
recording); consecutive chunks are grouped into jobs of a few minutes, each sent as 16-bit FLAC with its chunk
ranges (see asr.worker), so the words and times match a local run. A job is submitted with POST /run, polled
with GET /status/{id} (backing off), resubmitted a bounded number of times when the endpoint loses or fails it,
split in two when the request is too big, and cancelled with POST /cancel/{id} when the transcription stops.
A job that still fails raises RunPodError naming its time range: a transcript never has a silent hole.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

import numpy as np

from asr.audio import SAMPLE_RATE, encode_flac
from asr.backends import Progress, no_progress
from asr.config import RUNPOD_BASE_URL, Settings
from asr.errors import ConfigError, RunPodError, format_range
from asr.options import TranscribeOptions
from asr.runpod_http import Transport, TransportError
from asr.segmenter import Chunk, plan_chunks
from asr.types import BackendInfo, ModelInfo, Segment, Word

log = logging.getLogger(__name__)

RUN_LIMIT_BYTES = 10 * 1024**2  # RunPod refuses a /run request body above 10 MB
REQUEST_HEADROOM = 0.95  # fraction of that limit a request may use
DEFAULT_JOB_SECONDS = 180.0  # audio per job, cut at pauses (≈ 3-4 MB of FLAC)
DEFAULT_MAX_IN_FLIGHT = 8  # jobs submitted and not yet finished
# The endpoint's own words (its error text, an unusable reply) never reach a message, a log line or the store: an
# endpoint can echo the request, API key included. Its log on RunPod has the details.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+-]{0,127}")  # a job id or a model name from the endpoint
WORKER_FAILED = "the worker reported that the job failed; the endpoint's log on RunPod says why"


@dataclass(frozen=True)
class Policy:
    """How the client splits work and how patient it is; tests shorten the delays."""

    job_seconds: float = DEFAULT_JOB_SECONDS
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    max_request_bytes: int = int(RUN_LIMIT_BYTES * REQUEST_HEADROOM)
    poll_first: float = 1.0  # seconds before the first status poll
    poll_max: float = 10.0  # seconds between polls at most (growing by poll_growth)
    poll_growth: float = 1.5
    queue_timeout: float = 900.0  # seconds a job may stay IN_QUEUE (a cold start loads the model) before giving up
    run_timeout: float = 1800.0  # seconds a job may stay IN_PROGRESS before it is cancelled and resubmitted
    job_attempts: int = 3  # submissions per job: FAILED, TIMED_OUT, lost (404) and stuck jobs are resubmitted
    http_attempts: int = 8  # tries per HTTP request on 429, 5xx and network errors
    backoff_first: float = 1.0  # seconds after the first 429/5xx/network error, doubling
    backoff_max: float = 30.0  # seconds between tries at most
    retry_after_max: float = 120.0  # seconds of a server's Retry-After honoured at most
    request_timeout: float = 120.0  # seconds per HTTP request (a 10 MB upload included)

    def __post_init__(self):
        if not 10.0 <= self.job_seconds <= 3600.0:
            raise ConfigError(f"RUNPOD_JOB_SECONDS={self.job_seconds!r} is not allowed: use 10 to 3600 seconds.")
        if not 1 <= self.max_in_flight <= 256:
            raise ConfigError(f"RUNPOD_MAX_IN_FLIGHT={self.max_in_flight!r} is not allowed: use 1 to 256 jobs.")
        if self.job_attempts < 1 or self.http_attempts < 1:
            raise ConfigError("job_attempts and http_attempts must be at least 1.")


@dataclass(frozen=True)
class Job:
    """Consecutive chunks of the recording sent as one request; sample indices in the whole audio."""

    chunks: tuple[Chunk, ...]

    @property
    def start(self) -> int:
        return self.chunks[0].start

    @property
    def end(self) -> int:
        return self.chunks[-1].end

    @property
    def offset(self) -> float:
        return self.start / SAMPLE_RATE

    def halves(self) -> tuple[Job, Job]:
        mid = len(self.chunks) // 2
        return Job(self.chunks[:mid]), Job(self.chunks[mid:])

    def describe(self) -> str:
        return format_range(self.start / SAMPLE_RATE, self.end / SAMPLE_RATE)


def plan_jobs(chunks: Sequence[Chunk], job_seconds: float) -> list[Job]:
    """The chunks (the local backend's plan), grouped in order into jobs spanning at most job_seconds each."""
    limit = int(job_seconds * SAMPLE_RATE)
    groups: list[list[Chunk]] = []
    for chunk in chunks:
        if groups and chunk.end - groups[-1][0].start <= limit:
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
    return [Job(tuple(g)) for g in groups]


def encode_job(samples: np.ndarray, job: Job, options: TranscribeOptions, filename: str) -> bytes:
    """The /run request body of one job: its audio as 16-bit FLAC, its chunks relative to the job's start."""
    job_input = {
        "audio_base64": base64.b64encode(encode_flac(samples[job.start : job.end])).decode("ascii"),
        "filename": filename,
        "timestamps": True,
        "chunks": [[c.start - job.start, c.end - job.start] for c in job.chunks],
        "max_chunk": options.max_chunk,
        "batch_size": options.batch_size,
        "offset": round(job.offset, 3),  # where the job starts in the recording: for the worker's log
    }
    return json.dumps({"input": job_input}).encode("utf-8")


class Retry(Exception):
    """This attempt of a job failed in a way a new submission may fix."""


class Ended(Retry):
    """... and the job is over on the endpoint (FAILED, TIMED_OUT, CANCELLED, unknown): nothing to cancel."""


class TooLarge(Exception):
    """The endpoint refused the request body as too big (HTTP 413)."""


@dataclass
class JobRunner:
    """Runs jobs of one transcription on the endpoint; one call of run() per job, from several threads."""

    transport: Transport
    policy: Policy
    samples: np.ndarray
    options: TranscribeOptions
    on_info: Callable[[dict], None] = field(default=lambda output: None)

    def run(self, job: Job) -> list[Word]:
        """The words of `job` in seconds of the whole recording; RunPodError if it cannot be done."""
        body = encode_job(self.samples, job, self.options, f"job-{job.offset:.0f}s.flac")
        if len(body) > self.policy.max_request_bytes:
            return self._split(job, f"the request would be {len(body) / 1024**2:.1f} MB")
        try:
            output = self._attempts(job, body)
        except TooLarge:
            return self._split(job, f"the endpoint refused a {len(body) / 1024**2:.1f} MB request as too large")
        if not isinstance(output.get("segments"), list):
            raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE,
                              "the endpoint answered without word timestamps; deploy the Prepis worker image "
                              "(Dockerfile target `worker`), not the original handler")
        self.on_info(output)
        try:
            return [w for s in output["segments"] for w in Segment.from_dict(s, job.offset).words]
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE,
                              f"the endpoint's answer has malformed words ({type(e).__name__})") from e

    def _split(self, job: Job, why: str) -> list[Word]:
        if len(job.chunks) < 2:
            raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE,
                              f"{why}, over the endpoint's request limit, even as a single chunk of "
                              f"{job.chunks[0].duration:.0f} s; lower the chunk length (max_chunk)")
        log.info("%s: %s; sending it as two jobs", job.describe(), why)
        left, right = job.halves()
        return self.run(left) + self.run(right)

    def _attempts(self, job: Job, body: bytes) -> dict:
        reasons = []
        for attempt in range(1, self.policy.job_attempts + 1):
            try:
                return self._attempt(job, body)
            except Retry as e:
                reasons.append(str(e))
                log.warning("%s: attempt %d of %d failed: %s", job.describe(), attempt, self.policy.job_attempts, e)
        tries = "once" if len(reasons) == 1 else f"{len(reasons)} times"
        raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE,
                          f"the job failed {tries} (last: {reasons[-1]}). Try again later, or look at the "
                          "endpoint's logs on RunPod")

    def _attempt(self, job: Job, body: bytes) -> dict:
        answer = self._call(job, "POST", "run", body)
        job_id = answer.get("id")
        if not isinstance(job_id, str) or not NAME.fullmatch(job_id):
            raise Retry("the endpoint answered /run without a job id")
        log.info("%s submitted as job %s", job.describe(), job_id)
        try:
            return self._poll(job, job_id)
        except Ended:
            raise
        except BaseException:
            self.transport.cancel(job_id)  # stopped, or given up on: free the GPU
            raise

    def _poll(self, job: Job, job_id: str) -> dict:
        p = self.policy
        delay, submitted, running_since = p.poll_first, time.monotonic(), None
        while True:
            self.transport.sleep(delay)
            delay = min(delay * p.poll_growth, p.poll_max)
            status = self._call(job, "GET", f"status/{job_id}", lost_job=True)
            state = status.get("status")
            if state == "COMPLETED":
                return _completed_output(status)
            if state in ("FAILED", "TIMED_OUT", "CANCELLED"):
                raise Ended(_failure_reason(state, status))
            now = time.monotonic()
            if state == "IN_PROGRESS":
                running_since = running_since or now
                if now - running_since > p.run_timeout:
                    raise Retry(f"job {job_id} ran longer than {p.run_timeout:.0f} s; cancelled")
            elif now - submitted > p.queue_timeout:
                raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE,
                                  f"no worker took the job within {p.queue_timeout:.0f} s (it stayed IN_QUEUE). "
                                  "The endpoint may have no GPU available or max workers set to 0; check it on "
                                  "RunPod and try again")

    def _call(self, job: Job, method: str, path: str, body: bytes | None = None, lost_job: bool = False) -> dict:
        """One API call; turns what the endpoint says into Retry, TooLarge or RunPodError."""
        try:
            return self.transport.call(method, path, body)
        except TransportError as e:
            if e.status == 404 and lost_job:
                raise Ended("the endpoint no longer knows the job (HTTP 404)") from e
            if e.status == 413:
                raise TooLarge() from e
            if e.retryable and lost_job:
                raise Retry(f"lost contact while waiting for the job ({e})") from e
            raise RunPodError(job.start / SAMPLE_RATE, job.end / SAMPLE_RATE, str(e)) from e


def _completed_output(status: dict) -> dict:
    output = status.get("output")
    if isinstance(output, dict) and output.get("error"):
        raise Ended(WORKER_FAILED)
    if not isinstance(output, dict):
        raise Ended("the job completed without a usable output")
    return output


def _name(value: object) -> str:
    """A name the endpoint reports (model, hash, device), kept only if it looks like one."""
    return value if isinstance(value, str) and NAME.fullmatch(value) else ""


def _failure_reason(state: str, status: dict) -> str:
    if state == "TIMED_OUT":
        return "the job ran past the endpoint's execution timeout (TIMED_OUT)"
    if state == "CANCELLED":
        return "the job was cancelled on the endpoint"
    return WORKER_FAILED


class RunPodBackend:
    """Transcribes on a RunPod serverless endpoint running asr.worker; the same interface as LocalBackend."""

    def __init__(self, api_key: str, endpoint_id: str, base_url: str = RUNPOD_BASE_URL,
                 policy: Policy = Policy()):
        if not api_key or not endpoint_id:
            raise ConfigError("TRANSCRIPTION_PROVIDER=runpod needs RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID; set both "
                              "(in the environment or .env), or use TRANSCRIPTION_PROVIDER=local.")
        self._api_key = api_key
        self.endpoint_url = f"{base_url.rstrip('/')}/{endpoint_id}"
        self.policy = policy
        self._info = BackendInfo(backend="runpod")
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RunPodBackend:
        """From asr.config.Settings (RUNPOD_JOB_SECONDS and RUNPOD_MAX_IN_FLIGHT tune the fan-out)."""
        policy = Policy()
        if settings.runpod_job_seconds is not None:
            policy = replace(policy, job_seconds=settings.runpod_job_seconds)
        if settings.runpod_max_in_flight is not None:
            policy = replace(policy, max_in_flight=settings.runpod_max_in_flight)
        return cls(settings.runpod_api_key, settings.runpod_endpoint_id, settings.runpod_base_url, policy)

    def __repr__(self) -> str:  # never the API key
        return f"RunPodBackend({self.endpoint_url!r})"

    @property
    def info(self) -> BackendInfo:
        with self._lock:
            return self._info

    def _learn(self, output: dict) -> None:
        """The model, device and precision the worker reported with its result."""
        model = output.get("model") if isinstance(output.get("model"), dict) else {}
        learned = BackendInfo(ModelInfo(_name(model.get("name")), _name(model.get("file_sha256"))), "runpod",
                              _name(output.get("device")), _name(output.get("precision")))
        with self._lock:
            known = self._info.model.file_sha256
            if known and learned.model.file_sha256 != known:
                log.warning("jobs came back from different models: %s and %s", self._info.model, learned.model)
            elif learned.model.name:
                self._info = learned

    def stream(self, samples: np.ndarray, options: TranscribeOptions, plan: Sequence[Chunk] | None = None,
               progress: Progress = no_progress) -> Iterator[list[Word]]:
        """Yield the words of each job in time order as soon as it and those before it are done.

        `progress(fraction, message)` is called once per finished job. Closing the generator, or a job that
        fails for good (RunPodError), cancels every outstanding job.
        """
        chunks = plan_chunks(samples, options.max_chunk) if plan is None else plan
        jobs = plan_jobs(chunks, self.policy.job_seconds)
        log.info("%.0f s of audio in %d RunPod jobs", samples.size / SAMPLE_RATE, len(jobs))
        if not jobs:
            return
        transport = Transport(self.endpoint_url, self._api_key, self.policy)
        runner = JobRunner(transport, self.policy, samples, options, self._learn)
        pool = ThreadPoolExecutor(min(self.policy.max_in_flight, len(jobs)), thread_name_prefix="runpod-job")
        try:
            futures = {pool.submit(runner.run, job): i for i, job in enumerate(jobs)}
            yield from _in_order(futures, len(jobs), progress)
        finally:
            transport.stop()  # running jobs cancel themselves on the endpoint
            pool.shutdown(wait=True, cancel_futures=True)
            transport.close()


def _in_order(futures: dict, n_jobs: int, progress: Progress) -> Iterator[list[Word]]:
    done: dict[int, list[Word]] = {}
    next_index = 0
    for finished, future in enumerate(as_completed(futures), 1):
        done[futures[future]] = future.result()  # a RunPodError ends the transcription here
        progress(finished / n_jobs, f"{finished} of {n_jobs} RunPod jobs done")
        while next_index in done:
            yield done.pop(next_index)
            next_index += 1
