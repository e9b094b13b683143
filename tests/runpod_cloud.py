"""A local stand-in for RunPod's cloud API, with faults on demand, and the real worker under runpod's test server.

FakeRunPod serves POST /v2/{endpoint}/run, GET|POST /v2/{endpoint}/status/{id} and POST /v2/{endpoint}/cancel/{id}
with bearer auth and a 10 MB request limit, queues jobs for `workers` dispatcher threads, and hands each job's
input to `execute(input) -> (status, output_or_error)`; `forward_to(url)` sends it to a real worker's /runsync.
Faults: `http_faults` (status codes or "drop" for the next matching requests, with Retry-After), `job_faults`
(FAILED, TIMED_OUT, STALL = stays IN_QUEUE, HANG = stays IN_PROGRESS, LOSE = 404 after /run; for the next jobs
or those matching a test), `queue_delay` (a cold start). Everything it saw is in `requests`, `jobs` and `cancelled`.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

RUN_LIMIT = 10 * 1024**2  # bytes, RunPod's /run limit
WORKER_START_TIMEOUT = 300  # seconds for the worker process to load the model and listen
ROOT = Path(__file__).resolve().parent.parent

Execute = Callable[[dict], tuple[str, object]]


def forward_to(worker_url: str, timeout: float = 600) -> Execute:
    """Run a job on a real worker (runpod's test server) with POST /runsync, as RunPod would run it."""

    def execute(job_input: dict) -> tuple[str, object]:
        answer = requests.post(f"{worker_url}/runsync", json={"input": job_input}, timeout=timeout).json()
        if answer.get("status") == "COMPLETED":
            return "COMPLETED", answer.get("output")
        return "FAILED", answer.get("error")

    return execute


def replaying(execute: Execute) -> Execute:
    """`execute`, but a job input seen before is answered from memory at once. A healthy job then takes
    milliseconds even on a busy machine, so a test can tell a hung job from a slow one by a short deadline."""
    answers: dict[str, tuple[str, object]] = {}
    lock = threading.Lock()

    def run(job_input: dict) -> tuple[str, object]:
        key = json.dumps(job_input, sort_keys=True)
        with lock:
            answer = answers.get(key)
        if answer is None:
            answer = execute(job_input)
            with lock:
                answers[key] = answer
        return answer

    return run


@dataclass
class FakeJob:
    id: str
    input: dict
    status: str = "IN_QUEUE"
    output: object = None
    error: object = None
    fault: str | None = None
    submitted: float = field(default_factory=time.monotonic)
    finished: float | None = None


@dataclass
class JobFault:
    outcome: str  # FAILED, TIMED_OUT, STALL (stays IN_QUEUE), HANG (stays IN_PROGRESS) or LOSE (404 after /run)
    times: int = 1  # jobs it applies to (use a large number for "always")
    when: Callable[[dict], bool] = lambda job_input: True
    error: str = "CUDA out of memory (injected)"


@dataclass
class HttpFault:
    status: int | str  # an HTTP status, or "drop" to close the connection without an answer
    times: int = 1
    path: str = ""  # "run", "status" or "cancel"; "" matches all
    retry_after: str | None = None


class FakeRunPod:
    def __init__(self, execute: Execute, api_key: str = "rp-test-key", endpoint: str = "ep-test", workers: int = 2,
                 max_body: int = RUN_LIMIT):
        self.execute, self.api_key, self.endpoint, self.max_body = execute, api_key, endpoint, max_body
        self.queue_delay = 0.0  # seconds a job waits before a worker takes it (a cold start)
        self.http_faults: list[HttpFault] = []
        self.job_faults: list[JobFault] = []
        self.jobs: dict[str, FakeJob] = {}
        self.requests: list[dict] = []  # method, path, status, size, t
        self.cancelled: list[str] = []
        self.running = self.max_running = 0
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._workers = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v2"

    def __enter__(self) -> FakeRunPod:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        for w in self._workers:
            w.start()
        return self

    def __exit__(self, *exc):
        for _ in self._workers:
            self._queue.put(None)
        self.httpd.shutdown()
        self.httpd.server_close()

    def statuses(self, path: str) -> list[int | str]:
        return [r["status"] for r in self.requests if r["path"] == path]

    # ---- faults ----
    def _http_fault(self, path: str) -> HttpFault | None:
        with self._lock:
            for fault in self.http_faults:
                if fault.times > 0 and (not fault.path or fault.path == path):
                    fault.times -= 1
                    return fault
        return None

    def _job_fault(self, job_input: dict) -> str | None:
        with self._lock:
            for fault in self.job_faults:
                if fault.times > 0 and fault.when(job_input):
                    fault.times -= 1
                    return fault.outcome
        return None

    def _error_of(self, outcome: str) -> str:
        return next((f.error for f in self.job_faults if f.outcome == outcome), "injected")

    # ---- jobs ----
    def submit(self, job_input: dict) -> FakeJob:
        job = FakeJob(f"job-{uuid.uuid4()}", job_input)
        job.fault = self._job_fault(job_input)
        with self._lock:
            self.jobs[job.id] = job
        if job.fault not in ("STALL", "LOSE"):  # never run
            self._queue.put(job)
        return job

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            time.sleep(max(0.0, job.submitted + self.queue_delay - time.monotonic()))
            with self._lock:
                if job.status != "IN_QUEUE":
                    continue  # cancelled while queued
                job.status = "IN_PROGRESS"
                self.running += 1
                self.max_running = max(self.max_running, self.running)
            try:
                status, result = self._run(job)
            except Exception as e:  # a broken forward is a failed job, as on RunPod
                status, result = "FAILED", f"{type(e).__name__}: {e}"
            with self._lock:
                self.running -= 1
                if job.status == "IN_PROGRESS":  # not cancelled meanwhile
                    job.status, job.finished = status, time.monotonic()
                    job.output, job.error = (result, None) if status == "COMPLETED" else (None, result)

    def _run(self, job: FakeJob) -> tuple[str, object]:
        if job.fault == "FAILED":
            return "FAILED", self._error_of("FAILED")
        if job.fault == "TIMED_OUT":
            return "TIMED_OUT", None
        while job.fault == "HANG" and job.status == "IN_PROGRESS":  # a worker that never finishes, until cancelled
            time.sleep(0.05)
        return self.execute(job.input)

    def status_of(self, job_id: str) -> dict | None:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or job.fault == "LOSE":
                return None
            answer = {"id": job.id, "status": job.status, "delayTime": 0, "executionTime": 0}
            if job.status == "COMPLETED":
                answer["output"] = job.output
            elif job.error is not None:
                answer["error"] = job.error
            return answer

    def cancel(self, job_id: str) -> dict | None:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                return None
            self.cancelled.append(job_id)
            if job.status in ("IN_QUEUE", "IN_PROGRESS"):
                job.status = "CANCELLED"
            return {"id": job_id, "status": job.status}

    # ---- HTTP ----
    def _handler_class(self):
        cloud = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                cloud._serve(self)

            def do_POST(self):
                cloud._serve(self)

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        size = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(size) if size else b""
        parts = h.path.strip("/").split("/")  # v2, endpoint, action[, id]
        action = parts[2] if len(parts) >= 3 and parts[:2] == ["v2", self.endpoint] else ""
        status, answer, headers = self._answer(h, action, parts[3] if len(parts) > 3 else "", body)
        with self._lock:
            self.requests.append({"method": h.command, "path": action, "status": status, "size": size,
                                  "t": time.monotonic()})
        if status == "drop":
            h.connection.shutdown(socket.SHUT_RDWR)
            h.close_connection = True
            return
        data = json.dumps(answer).encode()
        h.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)

    def _answer(self, h, action: str, job_id: str, body: bytes) -> tuple[int | str, dict, dict]:
        if h.headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "Unauthorized"}, {}
        if action not in ("run", "status", "cancel") or (action != "run" and not job_id):
            return 404, {"error": "not found"}, {}
        fault = self._http_fault(action)
        if fault is not None:
            return fault.status, {"error": "injected"}, {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if action == "run":
            if len(body) > self.max_body:
                return 413, {"error": f"request body over {self.max_body} bytes"}, {}
            job = self.submit(json.loads(body)["input"])
            return 200, {"id": job.id, "status": "IN_QUEUE"}, {}
        answer = self.status_of(job_id) if action == "status" else self.cancel(job_id)
        return (404, {"error": "job not found"}, {}) if answer is None else (200, answer, {})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WorkerProcess:
    """`python -m asr.worker --rp_serve_api --rp_api_port PORT` with the given model, until closed."""

    def __init__(self, model: str | Path, log_path: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        # one torch thread, like the test process (importing silero_vad sets 1): the same arithmetic as the local
        # backend there, and no collapse when the other process holds a core of the 2-core CI machine
        model = Path(model).resolve() if Path(model).exists() else model  # the worker runs in its own folder
        self.env = {**os.environ, "ASR_MODEL": str(model), "ASR_DEVICE": "cpu", "PYTHONUNBUFFERED": "1",
                    "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **env}

    def __enter__(self) -> WorkerProcess:
        self._log = open(self.log_path, "wb")
        # runpod keeps its job state in .runpod_jobs.pkl in the working folder: one per worker, not in the repository
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "asr.worker", "--rp_serve_api", "--rp_api_port", str(self.port)],
            cwd=self.log_path.parent, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                requests.get(f"{self.url}/docs", timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"the worker did not listen within {WORKER_START_TIMEOUT} s: {self.log_tail()}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self) -> str:
        return self.log_text()[-3000:]

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
