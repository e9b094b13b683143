"""The RunPod client against a local server speaking RunPod's cloud protocol (tests/runpod_cloud.py) that runs
each job on the real worker process (runpod's test server, fixture model). Faults are injected in that server;
every test checks the words and times against the local backend, or the range an error names."""

from __future__ import annotations

import inspect
import logging
import re
import time
from dataclasses import replace
from email.utils import formatdate

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from helpers import check_invariants
from runpod_cloud import RUN_LIMIT, FakeRunPod, HttpFault, JobFault, WorkerProcess, forward_to, replaying

from asr.audio import SAMPLE_RATE, decode_audio
from asr.backends import Backend, LocalBackend, get_backend
from asr.config import load_settings
from asr.engine import Engine
from asr.errors import ConfigError, RunPodError, format_range
from asr.options import TranscribeOptions
from asr.pipeline import transcribe, transcribe_stream
from asr.runpod_client import Policy, RunPodBackend, encode_job, plan_jobs
from asr.runpod_http import retry_after
from asr.segmenter import plan_chunks

FRAME = 0.04  # seconds: one encoder output frame
OPTIONS = TranscribeOptions(max_chunk=10.0)  # short chunks: several per job in the fault tests
FAST = Policy(job_seconds=30, max_in_flight=4, poll_first=0.05, poll_max=0.2, backoff_first=0.05, backoff_max=0.3,
              queue_timeout=20, run_timeout=120)
CLIPS = sorted(p for p in AUDIO.iterdir() if p.suffix != ".json" and p.with_suffix(".json").is_file())
GAPS = (1.0, 0.4, 2.5, 0.15, 1.5)  # seconds of silence between clips


def write_recording(path, min_seconds: float):
    """The committed clips, decoded and laid end to end with varied gaps until min_seconds; a 16-bit WAV."""
    parts, n, i = [], 0, 0
    while n < min_seconds * SAMPLE_RATE:
        parts += [decode_audio(CLIPS[i % len(CLIPS)]), np.zeros(int(GAPS[i % len(GAPS)] * SAMPLE_RATE), np.float32)]
        n += parts[-2].size + parts[-1].size
        i += 1
    pcm = np.clip(np.round(np.concatenate(parts) * 32768), -32768, 32767).astype(np.int16)
    sf.write(path, pcm, SAMPLE_RATE, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def worker(tiny_model, tmp_path_factory):
    with WorkerProcess(tiny_model, tmp_path_factory.mktemp("worker") / "worker.log") as w:
        yield w


@pytest.fixture(scope="module")
def local(tiny_model):
    return LocalBackend(Engine(tiny_model, "tiny-sl", "cpu"))


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    return write_recording(tmp_path_factory.mktemp("audio") / "short.wav", 80)


@pytest.fixture(scope="module")
def reference(local, recording):
    transcript = transcribe(local, recording, OPTIONS)
    assert len(transcript.words) > 30  # enough words that a lost or doubled one shows
    return transcript


@pytest.fixture(scope="module")
def jobs(recording):
    planned = plan_jobs(planned_chunks(recording, OPTIONS), FAST.job_seconds)
    assert len(planned) >= 3 and any(len(j.chunks) > 1 for j in planned)
    return planned


@pytest.fixture
def cloud(worker):
    with FakeRunPod(forward_to(worker.url)) as c:
        yield c


def planned_chunks(path, options: TranscribeOptions) -> list:
    return list(plan_chunks(decode_audio(path), options.max_chunk))


def client(cloud: FakeRunPod, **policy) -> RunPodBackend:
    return RunPodBackend(cloud.api_key, cloud.endpoint, cloud.base_url, replace(FAST, **policy))


def max_time_difference(got, expected) -> float:
    """Words must be equal, one for one; the largest start/end difference in seconds."""
    assert [w.word for w in got.words] == [w.word for w in expected.words]
    return max(max(abs(a.start - b.start), abs(a.end - b.end)) for a, b in zip(got.words, expected.words, strict=True))


def assert_complete(got, expected) -> None:
    check_invariants(got)
    assert max_time_difference(got, expected) <= FRAME
    assert got.info.backend == "runpod" and got.info.model == expected.info.model
    assert (got.info.device, got.info.precision) == ("cpu", "fp32")  # what the worker reported


def assert_nothing_left_running(cloud: FakeRunPod) -> None:
    assert all(j.status not in ("IN_QUEUE", "IN_PROGRESS") for j in cloud.jobs.values()), cloud.jobs


def test_same_interface_as_the_local_backend(local):
    assert inspect.signature(RunPodBackend.stream) == inspect.signature(LocalBackend.stream)
    assert inspect.signature(RunPodBackend.stream) == inspect.signature(Backend.stream)
    assert isinstance(local, Backend) and isinstance(RunPodBackend("k", "e"), Backend)
    assert callable(RunPodBackend.from_settings)


def test_long_recording_over_concurrent_jobs_matches_local(worker, local, tmp_path):
    """≥ 10 min in several concurrent jobs: the local backend's words, times within one frame."""
    path = write_recording(tmp_path / "long.wav", 600)
    options = TranscribeOptions()
    expected = transcribe(local, path, options)
    n_jobs = len(plan_jobs(planned_chunks(path, options), 120))
    reports = []
    with FakeRunPod(forward_to(worker.url), workers=3) as cloud:
        got = transcribe(client(cloud, job_seconds=120), path, options, lambda f, m: reports.append((f, m)))
    difference = max_time_difference(got, expected)
    sizes = [r["size"] for r in cloud.requests if r["path"] == "run"]
    print(f"\nlong: {got.info.audio.duration:.0f} s, {n_jobs} jobs, at most {cloud.max_running} running at once, "
          f"{len(got.words)} words equal, max time difference {difference * 1000:.3f} ms, "
          f"largest request {max(sizes) / 1024**2:.2f} MB, {got.processing_time:.1f} s "
          f"(local {expected.processing_time:.1f} s)")
    assert got.info.audio.duration >= 600 and n_jobs >= 5 and len(sizes) == n_jobs
    assert difference <= FRAME and got.raw_text == expected.raw_text
    assert got.info.model == expected.info.model and got.info.backend == "runpod"
    assert cloud.max_running >= 2  # the jobs really ran side by side
    job_reports = [f for f, m in reports if "RunPod jobs done" in m]
    assert len(job_reports) == n_jobs and job_reports == sorted(job_reports) and job_reports[-1] == 1.0
    assert max(sizes) < RUN_LIMIT


def test_rate_limit_bursts_honour_retry_after(cloud, reference, recording, caplog):
    caplog.set_level(logging.DEBUG)
    cloud.http_faults = [HttpFault(429, times=2, path="run", retry_after="1"),
                         HttpFault(429, times=2, path="status", retry_after="1")]
    got = transcribe(client(cloud, max_in_flight=1), recording, OPTIONS)  # one at a time: pauses are measurable
    assert_complete(got, reference)
    log = sorted(cloud.requests, key=lambda r: r["t"])
    pauses = [b["t"] - a["t"] for a, b in zip(log, log[1:], strict=False) if a["status"] == 429]
    assert len(pauses) == 4 and min(pauses) >= 0.95  # Retry-After: 1 beat the 0.05-0.3 s backoff
    assert cloud.api_key not in caplog.text and "Bearer" not in caplog.text


def test_server_errors_are_retried(cloud, reference, recording):
    cloud.http_faults = [HttpFault(500, times=2, path="run"), HttpFault(503, times=2, path="status"),
                         HttpFault(502, times=1)]
    assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    assert sorted(s for s in cloud.statuses("run") + cloud.statuses("status") if s != 200) == [500, 500, 502, 503, 503]


def test_failed_then_success_on_retry(cloud, reference, recording, jobs):
    cloud.job_faults = [JobFault("FAILED", times=2)]
    assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    failed = {j.id for j in cloud.jobs.values() if j.status == "FAILED"}
    assert len(failed) == 2 and not failed & set(cloud.cancelled)  # over on the endpoint: nothing to cancel
    assert len(cloud.statuses("run")) == len(jobs) + 2


def test_timed_out_job_is_resubmitted(cloud, reference, recording, jobs):
    cloud.job_faults = [JobFault("TIMED_OUT", times=1)]
    assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    assert sum(j.status == "TIMED_OUT" for j in cloud.jobs.values()) == 1
    assert len(cloud.statuses("run")) == len(jobs) + 1


def test_job_running_past_the_client_limit_is_cancelled_and_resubmitted(worker, reference, recording, jobs):
    with FakeRunPod(replaying(forward_to(worker.url))) as cloud:
        transcribe(client(cloud), recording, OPTIONS)  # every answer is known now: a healthy job takes milliseconds
        before = len(cloud.statuses("run"))
        cloud.job_faults = [JobFault("HANG", times=1)]
        assert_complete(transcribe(client(cloud, run_timeout=1.0), recording, OPTIONS), reference)
    hung = [j.id for j in cloud.jobs.values() if j.fault == "HANG"]
    assert len(hung) == 1 and hung[0] in cloud.cancelled and len(cloud.statuses("run")) - before == len(jobs) + 1


def test_lost_job_is_resubmitted(cloud, reference, recording, jobs):
    cloud.job_faults = [JobFault("LOSE", times=1)]
    assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    assert cloud.statuses("status").count(404) == 1 and len(cloud.statuses("run")) == len(jobs) + 1


def test_network_error_mid_poll(cloud, reference, recording):
    cloud.http_faults = [HttpFault("drop", times=3, path="status")]
    assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    assert cloud.statuses("status").count("drop") == 3


def test_long_cold_start_is_waited_for(cloud, reference, recording):
    cloud.queue_delay = 2.0  # every job waits in the queue, as while a worker loads the model
    assert_complete(transcribe(client(cloud, queue_timeout=10), recording, OPTIONS), reference)


def test_job_stuck_in_queue_past_the_limit_names_its_range(cloud, recording, jobs):
    stuck = jobs[1]
    cloud.job_faults = [JobFault("STALL", times=99, when=lambda job: job["offset"] == round(stuck.offset, 3))]
    with pytest.raises(RunPodError, match="IN_QUEUE") as error:
        transcribe(client(cloud, queue_timeout=1.0), recording, OPTIONS)
    assert stuck.describe() in str(error.value) and (error.value.start, error.value.end) == (
        stuck.start / SAMPLE_RATE, stuck.end / SAMPLE_RATE)
    stalled = [j.id for j in cloud.jobs.values() if j.fault == "STALL"]
    assert len(stalled) == 1 and stalled[0] in cloud.cancelled
    assert_nothing_left_running(cloud)


def test_job_failing_every_time_names_its_range(cloud, recording, jobs):
    bad = jobs[-1]
    cloud.job_faults = [JobFault("FAILED", times=99, when=lambda job: job["offset"] == round(bad.offset, 3),
                                 error="CUDA error: out of memory")]
    with pytest.raises(RunPodError) as error:
        transcribe(client(cloud), recording, OPTIONS)
    message = str(error.value)
    assert message.startswith(f"RunPod could not transcribe {bad.describe()}: the job failed 3 times")
    assert "the worker reported that the job failed" in message
    assert "out of memory" not in message  # the endpoint's own text is never relayed (it may echo the API key)
    assert sum(j.fault == "FAILED" for j in cloud.jobs.values()) == FAST.job_attempts
    assert_nothing_left_running(cloud)


def test_request_over_the_limit_is_split_before_sending(cloud, reference, recording, jobs):
    samples = decode_audio(recording)
    sizes = [len(encode_job(samples, j, OPTIONS, "x.flac")) for j in jobs]
    limit = int(max(sizes) * 0.7)
    assert_complete(transcribe(client(cloud, max_request_bytes=limit), recording, OPTIONS), reference)
    sent = [r["size"] for r in cloud.requests if r["path"] == "run"]
    assert max(sent) <= limit and len(sent) > len(jobs) and 413 not in cloud.statuses("run")


def test_oversized_request_refused_by_the_endpoint_is_split(worker, reference, recording, jobs):
    samples = decode_audio(recording)
    sizes = [len(encode_job(samples, j, OPTIONS, "x.flac")) for j in jobs]
    with FakeRunPod(forward_to(worker.url), max_body=int(max(sizes) * 0.7)) as cloud:
        assert_complete(transcribe(client(cloud), recording, OPTIONS), reference)
    assert 413 in cloud.statuses("run")
    accepted = [r["size"] for r in cloud.requests if r["path"] == "run" and r["status"] == 200]
    assert max(accepted) <= cloud.max_body and len(accepted) > len(jobs)


def test_chunk_too_big_even_alone_names_its_range(worker, recording, jobs):
    with FakeRunPod(forward_to(worker.url), max_body=10_000) as cloud, pytest.raises(RunPodError) as error:
        transcribe(client(cloud), recording, OPTIONS)
    message = str(error.value)
    assert "over the endpoint's request limit" in message and "max_chunk" in message
    chunk_ranges = {format_range(c.start / SAMPLE_RATE, c.end / SAMPLE_RATE) for j in jobs for c in j.chunks}
    assert re.search(r"\d\d:\d\d\u2013\d\d:\d\d", message).group(0) in chunk_ranges


def test_closing_the_transcription_cancels_outstanding_jobs(cloud, recording, jobs):
    first_job = round(jobs[0].offset, 3)
    cloud.job_faults = [JobFault("STALL", times=99, when=lambda job: job["offset"] != first_job)]  # wait forever
    stream = transcribe_stream(client(cloud), recording, OPTIONS)
    next(stream)  # the empty transcript
    first = next(stream).transcript  # after the first job
    assert first.words and first.words[-1].end <= jobs[0].end / SAMPLE_RATE
    stream.close()
    waiting = {j.id for j in cloud.jobs.values() if j.fault == "STALL"}
    assert len(waiting) == len(jobs) - 1 and set(cloud.cancelled) == waiting
    assert_nothing_left_running(cloud)


def test_wrong_api_key_fails_fast_without_showing_it(cloud, recording, caplog):
    caplog.set_level(logging.DEBUG)
    key = "rp_WRONG_secret_123"
    backend = RunPodBackend(key, cloud.endpoint, cloud.base_url, FAST)
    with pytest.raises(RunPodError, match="RUNPOD_API_KEY") as error:
        transcribe(backend, recording, OPTIONS)
    assert key not in str(error.value) and key not in repr(backend) and key not in caplog.text
    assert 0 < cloud.statuses("run").count(401) <= FAST.max_in_flight  # refused: not retried


def test_the_original_handler_without_timestamps_is_reported(recording):
    seed_like = lambda job_input: ("COMPLETED", {"text": "besedilo", "processing_time": 1.0})  # noqa: E731
    with FakeRunPod(seed_like) as cloud, pytest.raises(RunPodError, match="without word timestamps"):
        transcribe(client(cloud), recording, OPTIONS)


def test_settings_choose_runpod_and_never_show_the_key(monkeypatch):
    monkeypatch.setenv("TRANSCRIPTION_PROVIDER", "clarinsi_slovene_asr")  # the seed's name
    monkeypatch.setenv("RUNPOD_API_KEY", "rp_secret_456")
    monkeypatch.setenv("RUNPOD_ENDPOINT_ID", "abc123")
    monkeypatch.setenv("RUNPOD_ENDPOINT_BASE_URL", "http://127.0.0.1:9/v2/")
    monkeypatch.setenv("RUNPOD_MAX_IN_FLIGHT", "3")
    backend = get_backend(load_settings(env_file=None))
    assert isinstance(backend, RunPodBackend) and backend.endpoint_url == "http://127.0.0.1:9/v2/abc123"
    assert backend.policy.max_in_flight == 3 and backend.info.backend == "runpod" and backend.info.model.name == ""
    assert "rp_secret_456" not in repr(backend) and "rp_secret_456" not in repr(load_settings(env_file=None))
    monkeypatch.setenv("RUNPOD_API_KEY", "")
    with pytest.raises(ConfigError, match="RUNPOD_API_KEY"):
        get_backend(load_settings(env_file=None))


def test_time_ranges_are_readable():
    assert format_range(65.2, 130.1) == "01:05\u201302:11"
    assert format_range(3599.0, 3725.5) == "59:59\u20131:02:06"


def test_jobs_are_the_local_chunks_grouped_in_order(recording, jobs):
    samples = decode_audio(recording)
    assert [c for j in jobs for c in j.chunks] == list(plan_chunks(samples, OPTIONS.max_chunk))
    assert all(j.end - j.start <= FAST.job_seconds * SAMPLE_RATE or len(j.chunks) == 1 for j in jobs)


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after("7") == 7.0 and retry_after(None) is None and retry_after("soon") is None
    in_a_minute = formatdate(time.time() + 60, usegmt=True)
    assert 55 <= retry_after(in_a_minute) <= 60
