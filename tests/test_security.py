"""Security and limits (issue 19), each finding reproduced against real parts and now failing safely.

The worker's own checks (SSRF through runsync, typed input, long chunks) are in test_worker.py; here: the fetch
deadlines, decoding hostile headers under a memory bound, the CLI's chunk cap, RunPod replies that echo the
API key, and the launched app with login on (exports, files of another user, login attempts, the browser key).
"""

from __future__ import annotations

import io
import json
import logging
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from runpod_cloud import FakeRunPod

from asr.audio import SAMPLE_RATE
from asr.config import Settings
from asr.errors import RequestError, RunPodError
from asr.fetch import FetchError, FetchPolicy, fetch
from asr.limits import MAX_EXPORT_SEGMENTS, export_format, transcript_from_request
from asr.options import TranscribeOptions
from asr.pipeline import transcribe
from asr.runpod_client import Policy, RunPodBackend
from asr.store import Store

ROOT = Path(__file__).resolve().parent.parent
CLIP = AUDIO / "wav16k_mono.wav"
KEY = "rp_SECRET_key_789"


# ---- fetch deadlines ---------------------------------------------------------------------------------------------
class Dripper:
    """A server that sends its answer one byte at a time, `pause` seconds apart (headers or body)."""

    def __init__(self, answer: bytes, pause: float):
        self.answer, self.pause = answer, pause
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.host = f"127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.sock.accept()
        conn.recv(65536)
        try:
            for i in range(len(self.answer)):
                conn.sendall(self.answer[i : i + 1])
                time.sleep(self.pause)
        except OSError:
            pass
        finally:
            conn.close()


@pytest.mark.parametrize("answer", [b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + bytes(100000),
                                    b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000 + b"\r\n\r\n"],
                         ids=["slow body", "slow headers"])
def test_a_server_that_drips_is_cut_off_at_the_overall_deadline(answer):
    """One byte every 0.2 s never trips the read timeout; the overall deadline still ends the fetch."""
    server = Dripper(answer, 0.2)
    policy = FetchPolicy(hosts=frozenset({server.host}), total_timeout=2.0)
    started = time.monotonic()
    with pytest.raises(FetchError):
        fetch(f"http://{server.host}/a.wav", 10**6, policy)
    assert time.monotonic() - started < 4.0


def test_fetch_policy_from_the_operator_setting():
    assert FetchPolicy.parse("").allows_host("example.org", 443) is None  # any public address
    assert FetchPolicy.parse("off").allows_host("example.org", 443) is False
    named = FetchPolicy.parse("Media.example.org, 10.0.0.5:8080")
    assert named.allows_host("media.example.org", 443) and named.allows_host("10.0.0.5", 8080)
    assert named.allows_host("10.0.0.5", 22) is False and named.allows_host("example.org", 443) is False
    with pytest.raises(FetchError):
        fetch("https://example.org/a.wav", 1000, FetchPolicy.parse("off"))


# ---- memory: hostile headers and long chunks ---------------------------------------------------------------------
DECODE_PEAK_MB = 400  # python + numpy + PyAV, and the few seconds of audio these files really hold
DECODE = """
import sys
from asr.audio import decode_audio
from asr.errors import AudioError
try:
    print("samples", decode_audio(sys.argv[1]).size)
except AudioError as e:
    print("refused", e)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0].split()[1]
print("peak", int(peak) // 1024)  # VmHWM starts anew at exec (ru_maxrss keeps the forking parent's peak)
"""


def decode_in_a_process(path: Path) -> tuple[str, int]:
    """Decode `path` in a fresh process; (what it printed first, its peak resident memory in MB)."""
    done = subprocess.run([sys.executable, "-c", DECODE, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[-1].startswith("peak"), done.stderr
    return lines[0], int(lines[-1].split()[1])


def test_a_header_claiming_1_hz_is_refused_under_the_memory_bound(tmp_path):
    """200 KB of samples said to be at 1 Hz: 55 hours once resampled; it used to take 1.9 GB before refusal."""
    path = tmp_path / "one-hertz.wav"
    sf.write(path, np.zeros(100_000, np.int16), 1, subtype="PCM_16")
    said, peak = decode_in_a_process(path)
    print(f"1 Hz header: {said!r}, peak RSS {peak} MB")
    assert said.startswith("refused") and "sample rate of 1 Hz" in said
    assert peak < DECODE_PEAK_MB


def test_a_header_claiming_a_huge_length_decodes_only_the_real_data(tmp_path):
    """A WAV whose data chunk claims 4 GB but holds 2 s: the data decides, memory stays small."""
    buf = io.BytesIO()
    sf.write(buf, np.zeros(2 * SAMPLE_RATE, np.int16), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    data = bytearray(buf.getvalue())
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFFF0)
    path = tmp_path / "claims-4gb.wav"
    path.write_bytes(bytes(data))
    said, peak = decode_in_a_process(path)
    print(f"huge header: {said!r}, peak RSS {peak} MB")
    assert said == f"samples {2 * SAMPLE_RATE}" and peak < DECODE_PEAK_MB


def test_the_cli_refuses_a_chunk_longer_than_the_device_can_hold(tmp_path):
    """--max-chunk 600 (a 10-minute chunk passed 9.2 GB) is refused before any model is loaded."""
    done = subprocess.run([sys.executable, "-m", "asr", "transcribe", str(CLIP), "--max-chunk", "600", "--model",
                           str(tmp_path / "absent.nemo"), "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "max_chunk=600.0 is not allowed: use 1 to 60 seconds" in done.stderr, done.stderr
    with pytest.raises(RequestError, match="into one model call"):
        TranscribeOptions(max_chunk=60, batch_size=32)


# ---- RunPod replies that echo the request ------------------------------------------------------------------------
class EchoingRunPod(FakeRunPod):
    """A RunPod endpoint that puts the request it received (headers, API key included) into its replies."""

    def __init__(self, mode: str):
        super().__init__(self._execute, api_key=KEY)
        self.mode, self.seen = mode, ""

    def _answer(self, h, action, job_id, body):
        self.seen = json.dumps(dict(h.headers))
        if action == "run" and self.mode == "refused":
            return 400, {"error": f"bad request: {self.seen}"}, {}
        if action == "run" and self.mode == "no job id":
            return 200, {"echo": self.seen, "id": f"Bearer {KEY}"}, {}
        return super()._answer(h, action, job_id, body)

    def _execute(self, job_input: dict) -> tuple[str, object]:
        echo = f"echo of the request: {self.seen}"
        return {"failed": ("FAILED", echo), "error output": ("COMPLETED", {"error": echo}),
                "unusable": ("COMPLETED", echo)}[self.mode]


ECHO_MODES = ["refused", "no job id", "failed", "error output", "unusable"]
FAST = Policy(job_seconds=30, max_in_flight=2, poll_first=0.05, poll_max=0.2, backoff_first=0.05, backoff_max=0.3,
              queue_timeout=20, run_timeout=60)


@pytest.mark.parametrize("mode", ECHO_MODES)
def test_an_echoing_endpoint_never_puts_the_key_or_its_reply_in_a_message_or_log(mode, caplog):
    caplog.set_level(logging.DEBUG)
    with EchoingRunPod(mode) as cloud:
        backend = RunPodBackend(KEY, cloud.endpoint, cloud.base_url, FAST)
        with pytest.raises(RunPodError) as error:
            transcribe(backend, CLIP, TranscribeOptions())
    assert KEY in cloud.seen  # the endpoint did echo it
    message = str(error.value)
    assert KEY not in message and "echo" not in message and "Bearer" not in message, message
    assert KEY not in caplog.text and "echo of the request" not in caplog.text


def test_a_failed_runpod_job_stores_and_shows_no_key(tmp_path, caplog):
    """Through the app's job (real store): the error kept with the transcript and shown on reopening is clean."""
    from ui.handlers import user_message
    from ui.jobs import Job, Progress
    from ui.service import ModelService

    caplog.set_level(logging.DEBUG)
    store = Store(tmp_path / "prepis.sqlite3")
    with EchoingRunPod("failed") as cloud:
        settings = Settings(provider="runpod", runpod_api_key=KEY, runpod_endpoint_id=cloud.endpoint,
                            runpod_base_url=cloud.base_url, data_dir=tmp_path)
        job = Job(store, ModelService(settings), "user:ana", str(CLIP), CLIP.name, TranscribeOptions(),
                  Progress("en"))
        job.start()
        with pytest.raises(RunPodError) as error:
            list(job.run("runpod", None))
        shown = user_message("en", error.value)
        job.fail(shown)
    stored = store.info("user:ana", job.tid)["error"]
    assert "failed" in stored and KEY not in stored and "echo" not in stored
    assert KEY not in shown and KEY not in caplog.text
    assert KEY.encode() not in (tmp_path / "prepis.sqlite3").read_bytes()


# ---- export input ------------------------------------------------------------------------------------------------
def transcript_json(segments: int) -> dict:
    return {"version": 1, "audio": {"filename": "intervju.wav", "duration": 2.0 * segments},
            "segments": [{"id": i, "start": 2.0 * i, "end": 2.0 * i + 1.5, "text": f"beseda {i}", "reviewed": False,
                          "words": [{"word": "beseda", "start": 2.0 * i, "end": 2.0 * i + 0.5, "confidence": 0.9},
                                    {"word": str(i), "start": 2.0 * i + 0.6, "end": 2.0 * i + 1.5}]}
                         for i in range(segments)]}


def with_segment(change: dict) -> dict:
    data = transcript_json(2)
    data["segments"][1].update(change)
    return data


BAD_EXPORTS = {
    "not JSON": ("{not json", "is not valid JSON"),
    "a list": ([1, 2], "must be a JSON object with a list of segments"),
    "a string segment": ({"segments": ["text"]}, "segments[0] must be an object"),
    "no text": ({"segments": [{"id": 0, "start": 0, "end": 1}]}, "segments[0].text must be a string"),
    "negative start": (with_segment({"start": -1.0}), "segments[1].start must be a number of seconds, 0 or more"),
    "end before start": (with_segment({"end": 1.0}), "segments[1].end must be a number of seconds, not before"),
    "null byte": (with_segment({"text": "a\x00b"}), "segments[1].text contains control characters"),
    "null byte in name": ({**transcript_json(1), "audio": {"filename": "x\x00.wav"}}, "audio.filename contains"),
    "too many": ({"segments": [{}] * (MAX_EXPORT_SEGMENTS + 1)}, f"at most {MAX_EXPORT_SEGMENTS} can be exported"),
}


@pytest.mark.parametrize("case", BAD_EXPORTS)
def test_bad_export_input_is_refused_with_a_sentence_for_an_api_user(case):
    data, phrase = BAD_EXPORTS[case]
    with pytest.raises(RequestError, match=None) as error:
        transcript_from_request(data)
    assert phrase in str(error.value), str(error.value)
    assert export_format("DOCX", ("txt", "docx")) == "docx"


# ---- the launched app with login on ------------------------------------------------------------------------------
USERS = {"ana": "geslo-ana", "bor": "geslo-bor", "eva": "geslo-eva"}
SERVER_SECRET = "server-only-browser-key-5b1e"
LOGIN_PAUSE = 3.0  # seconds (PREPIS_LOGIN_PAUSE for this module's app)
EXPORT_WAIT = 2.0  # seconds a small export may take while a huge one arrives


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, model):
    from app_server import AppServer

    users = ",".join(f"{u}:{p}" for u, p in USERS.items())
    with AppServer(tmp_path_factory.mktemp("guarded"), model, PREPIS_USERS=users, PREPIS_SECRET=SERVER_SECRET,
                   PREPIS_LOGIN_PAUSE=str(LOGIN_PAUSE)) as server:
        yield server


def login(server, user: str, password: str | None = None):
    import requests

    session = requests.Session()
    answer = session.post(f"{server.url}login", data={"username": user, "password": password or USERS[user]},
                          timeout=30)
    return session, answer.status_code


def call(server, session, api: str, data: list | bytes) -> tuple[str, object]:
    """A named endpoint through Gradio's call API (`data`: the inputs, or the request body already serialised):
    (the event, complete or error, and its data)."""
    body = data if isinstance(data, bytes) else json.dumps({"data": data}).encode()
    started = session.post(f"{server.url}gradio_api/call/{api}", data=body, timeout=120,
                           headers={"Content-Type": "application/json"})
    started.raise_for_status()
    text = session.get(f"{server.url}gradio_api/call/{api}/{started.json()['event_id']}", timeout=120).text
    event = data_line = None
    for line in text.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data_line = line.split(":", 1)[1].strip()
    return event, json.loads(data_line) if data_line else None


def file_url(server, path: str) -> str:
    return f"{server.url}gradio_api/file={path}"


def test_a_file_of_one_user_is_refused_to_another(guarded):
    """bor has ana's upload, export and kept-audio URLs (a leaked link): each is refused; ana gets hers."""
    ana, _ = login(guarded, "ana")
    bor, _ = login(guarded, "bor")
    upload = ana.post(f"{guarded.url}gradio_api/upload", files=[("files", ("ana.wav", CLIP.read_bytes()))],
                      timeout=60)
    uploaded = upload.json()[0]
    event, output = call(guarded, ana, "export", [transcript_json(3), "srt", None, None])
    assert event == "complete", output
    exported = output[0]["path"]
    kept = guarded.data_dir / "prepis-audio" / "0123456789abcdef0123456789abcdef.wav"  # as a job keeps audio
    kept.parent.mkdir(exist_ok=True)
    kept.write_bytes(CLIP.read_bytes())
    assert ana.get(file_url(guarded, uploaded), timeout=30).content == CLIP.read_bytes()
    assert "beseda 2" in ana.get(file_url(guarded, exported), timeout=30).text
    for path in (uploaded, exported, str(kept)):
        refused = bor.get(file_url(guarded, path), timeout=30)
        assert refused.status_code == 404 and refused.content == b'{"detail":"Not Found"}', path
    assert ana.get(file_url(guarded, str(kept)), timeout=30).status_code == 404  # never sent to her either


def test_the_browser_key_stays_on_the_server(guarded):
    from ui.guard import sign_browser_id, verify_browser_id

    ana, _ = login(guarded, "ana")
    for path in ("config", "gradio_api/info", ""):
        assert SERVER_SECRET not in ana.get(f"{guarded.url}{path}", timeout=30).text, path
    signed = sign_browser_id(SERVER_SECRET)
    browser_id = verify_browser_id(SERVER_SECRET, signed)
    assert browser_id and len(browser_id) == 32
    forged = f"{'0' * 32}.{signed.split('.')[1]}"
    assert verify_browser_id(SERVER_SECRET, forged) is None and verify_browser_id("other", signed) is None


def test_wrong_passwords_are_throttled_and_the_right_one_works_after_a_pause(guarded):
    from ui.guard import MAX_LOGIN_FAILURES

    statuses = [login(guarded, "eva", f"guess-{i}")[1] for i in range(101)]
    assert statuses[:MAX_LOGIN_FAILURES] == [400] * MAX_LOGIN_FAILURES
    assert set(statuses[MAX_LOGIN_FAILURES:]) == {429}  # the 101st among them
    assert login(guarded, "eva")[1] == 429  # even the right password waits
    assert login(guarded, "ana")[1] == 200  # another user is not locked out
    time.sleep(LOGIN_PAUSE + 0.5)
    assert login(guarded, "eva")[1] == 200


def test_a_huge_export_does_not_hold_up_another_users_small_one(guarded):
    """200 000 segments (15 MB) once ran for over 10 minutes while a small export waited: now it is refused at
    once (over the JSON size limit), and the other user's exports complete within EXPORT_WAIT seconds meanwhile."""
    import requests

    ana, _ = login(guarded, "ana")
    bor, _ = login(guarded, "bor")
    # serialised before the clock starts: json.dumps here would hold this process's GIL, not the server's
    huge = json.dumps({"data": [transcript_json(200_000), "docx", None, None]}).encode()
    warm = call(guarded, bor, "export", [transcript_json(5), "docx", None, None])
    assert warm[0] == "complete"  # the DOCX writer is loaded
    results = {}

    def send_huge():
        started = time.monotonic()
        answer = ana.post(f"{guarded.url}gradio_api/call/export", data=huge, timeout=120,
                          headers={"Content-Type": "application/json"})
        results["huge"] = (answer.status_code, answer.json()["detail"], time.monotonic() - started)

    thread = threading.Thread(target=send_huge)
    thread.start()
    small = []
    while thread.is_alive() or not small:
        started = time.monotonic()
        event, output = call(guarded, bor, "export", [transcript_json(5), "DOCX", None, None])
        small.append(time.monotonic() - started)
        assert event == "complete" and output[0]["path"].endswith(".docx")
    thread.join()
    status, detail, huge_seconds = results["huge"]
    print(f"small exports {', '.join(f'{s:.2f}' for s in small)} s while the 200 000-segment one was refused in "
          f"{huge_seconds:.2f} s")
    assert status == requests.codes.request_entity_too_large and "bigger than this app's limit" in detail
    assert max(small) <= EXPORT_WAIT


def test_an_export_over_the_segment_limit_is_refused_with_a_sentence(guarded):
    ana, _ = login(guarded, "ana")
    many = json.dumps({"data": [transcript_json(MAX_EXPORT_SEGMENTS + 1), "txt", None, None]}).encode()
    started = time.monotonic()
    event, output = call(guarded, ana, "export", many)
    print(f"{MAX_EXPORT_SEGMENTS + 1} segments ({len(many) / 1024**2:.1f} MB) refused in "
          f"{time.monotonic() - started:.2f} s: {output}")
    assert event == "error" and f"at most {MAX_EXPORT_SEGMENTS} can be exported" in str(output)
    for bad, phrase in [([with_segment({"end": 1.0}), "srt", None, None],
                         "segments[1].end must be a number of seconds"),
                        ([transcript_json(1), "pdf", None, None], "Unknown format 'pdf'")]:
        event, output = call(guarded, ana, "export", bad)
        assert event == "error" and phrase in str(output), output
    event, output = call(guarded, ana, "export", [transcript_json(2), "SRT", None, None])
    assert event == "complete" and output[0]["path"].endswith(".srt")
