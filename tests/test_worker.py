"""The RunPod worker, run for real: `python -m asr.worker --rp_serve_api` with the fixture model, driven over HTTP."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import requests
import soundfile as sf
from conftest import AUDIO, FileServer
from runpod_cloud import ROOT, WorkerProcess

from asr.audio import SAMPLE_RATE, sha256_of
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.options import MAX_MODEL_INPUT
from asr.pipeline import transcribe

MAX_SECONDS = 120  # the worker's duration limit in this module (PREPIS_WORKER_MAX_SECONDS)
MAX_MB = 1  # its size limit (PREPIS_WORKER_MAX_MB)
CLIP = AUDIO / "wav16k_mono.wav"
HTTP_TIMEOUT = 300  # seconds per request to the worker


DOWNLOAD = [".venv/bin/python", "-m", "asr", "download", "rsdo-2.0"]  # as the Dockerfile bakes the model in
WORKER = [".venv/bin/python", "-u", "-m", "asr.worker"]  # the worker image's CMD


def model_archive(model: Path) -> bytes:
    """The fixture model packed like CLARIN.SI's archive: a .tar.zst with v2.0/conformer_ctc_bpe.nemo."""
    import zstandard

    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w") as tar:
        tar.add(model, arcname="v2.0/conformer_ctc_bpe.nemo")
    return zstandard.ZstdCompressor().compress(tar_bytes.getvalue())


@pytest.fixture(scope="module")
def data_dir(tiny_model, tmp_path_factory):
    """A data folder with rsdo-2.0 installed by the Dockerfile's download command (from a local server)."""
    folder = tmp_path_factory.mktemp("data")
    with FileServer() as server:
        server.files["/sl-SI_GEN_nemo-2.0.tar.zst"] = model_archive(tiny_model)
        done = subprocess.run([sys.executable, *DOWNLOAD[1:], "--url", f"{server.url}/sl-SI_GEN_nemo-2.0.tar.zst"],
                              cwd=ROOT, env={**os.environ, "PREPIS_DATA_DIR": str(folder)}, capture_output=True,
                              text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def media():
    """The one server the worker may fetch audio_url from (PREPIS_WORKER_URL_HOSTS names it)."""
    with FileServer() as server:
        yield server


@pytest.fixture(scope="module")
def worker(data_dir, media, tmp_path_factory):
    """The worker as the image runs it: ASR_MODEL=rsdo-2.0 from the data folder, plus this module's limits."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = {"PREPIS_DATA_DIR": str(data_dir), "PREPIS_WORKER_MAX_SECONDS": str(MAX_SECONDS),
           "PREPIS_WORKER_MAX_MB": str(MAX_MB), "PREPIS_WORKER_URL_HOSTS": media.url.split("//")[1]}
    with WorkerProcess("rsdo-2.0", log, **env) as w:
        yield w


@pytest.fixture(scope="module")
def local(tiny_model):
    return LocalBackend(Engine(tiny_model, "tiny-sl", "cpu"))


def runsync(worker, job_input) -> dict:
    return requests.post(f"{worker.url}/runsync", json={"input": job_input}, timeout=HTTP_TIMEOUT).json()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_importing_the_worker_starts_nothing():
    code = "import sys, asr.worker; print('runpod' in sys.modules, 'nemo' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_seed_request_gives_the_local_text(worker, local):
    """The original handler's exact request and answer shape; the text is the local backend's."""
    request = {"input": {"audio_base64": b64(CLIP.read_bytes()), "filename": "test.wav"}}
    answer = requests.post(f"{worker.url}/runsync", json=request, timeout=HTTP_TIMEOUT).json()
    assert answer["status"] == "COMPLETED", answer
    output = answer["output"]
    assert {"text", "processing_time"} <= output.keys() and "segments" not in output
    assert isinstance(output["processing_time"], float) and output["processing_time"] > 0
    expected = transcribe(local, CLIP).text
    assert expected and output["text"] == expected


def test_run_then_status_with_timestamps(worker, local, tiny_model):
    """POST /run + POST /status/{id} of the test server; any format the core decodes (here MP3)."""
    clip = AUDIO / "mp3.mp3"
    job = requests.post(f"{worker.url}/run", json={"input": {"audio_base64": b64(clip.read_bytes()),
                                                             "timestamps": True}}, timeout=HTTP_TIMEOUT).json()
    answer = requests.post(f"{worker.url}/status/{job['id']}", timeout=HTTP_TIMEOUT).json()
    assert answer["status"] == "COMPLETED", answer
    output = answer["output"]
    expected = transcribe(local, clip)
    assert output["text"] == expected.text
    words = [w for s in output["segments"] for w in s["words"]]
    assert [(w["word"], w["start"], w["end"]) for w in words] == [(w.word, w.start, w.end) for w in expected.words]
    assert all(0 <= w["confidence"] <= 1 for w in words)
    assert output["model"] == {"name": "rsdo-2.0", "file_sha256": sha256_of(tiny_model)}
    assert output["duration"] == expected.info.audio.duration
    assert (output["backend"], output["device"], output["precision"]) == ("local-cpu", "cpu", "fp32")


def test_audio_url_and_planned_chunks(worker, local, media):
    """audio_url instead of base64; `chunks` recognises exactly the given ranges (times relative to the audio)."""
    media.files["/clip.flac"] = (AUDIO / "flac.flac").read_bytes()
    chunks = [[0, 5 * SAMPLE_RATE], [5 * SAMPLE_RATE, 11 * SAMPLE_RATE]]
    answer = runsync(worker, {"audio_url": f"{media.url}/clip.flac", "timestamps": True, "chunks": chunks})
    assert answer["status"] == "COMPLETED", answer
    samples = sf.read(AUDIO / "flac.flac", dtype="float32")[0]
    expected = [w.shifted(c[0] / SAMPLE_RATE) for c in chunks
                for w in local.engine.recognize([samples[c[0] : c[1]]])[0]]
    got = [w for s in answer["output"]["segments"] for w in s["words"]]
    assert expected and [(w["word"], w["start"]) for w in got] == [(w.word, w.start) for w in expected]


def silent_flac(seconds: float) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.zeros(int(seconds * SAMPLE_RATE), np.int16), SAMPLE_RATE, format="FLAC")
    return buf.getvalue()


REFUSED_URL = "audio_url could not be used: it must be a public http(s) address"  # the one answer to every refusal
TOO_LONG_CHUNK = int(MAX_MODEL_INPUT * SAMPLE_RATE) + 1  # samples

BAD_INPUTS = {
    "not base64": ({"audio_base64": "this is not base64!"}, "not valid base64"),
    "not audio": ({"audio_base64": b64(b"<html>hello</html>" * 50)}, "not an audio or video file"),
    "too long": ({"audio_base64": b64(silent_flac(MAX_SECONDS + 5))}, "is longer than the limit of 2 min"),
    "too big": ({"audio_base64": b64(bytes(MAX_MB * 1024**2 + 10))},
                f"The audio is bigger than the limit of {MAX_MB} MB ({MAX_MB * 1024**2} bytes)"),
    "no audio": ({"filename": "x.wav"}, "has no audio"),
    "bad url": ({"audio_url": "file:///etc/passwd"}, REFUSED_URL),
    "bad chunks": ({"audio_base64": b64(CLIP.read_bytes()), "chunks": [[5, 2]]}, "chunks must be"),
    "bad option": ({"audio_base64": b64(CLIP.read_bytes()), "max_chunk": 0.1}, "max_chunk=0.1 is not allowed"),
    "fractional batch": ({"audio_base64": b64(CLIP.read_bytes()), "batch_size": 2.7},
                         "batch_size must be a whole number, not 2.7"),
    "string bool": ({"audio_base64": b64(CLIP.read_bytes()), "timestamps": "false"},
                    "timestamps must be true or false, not 'false'"),
    "number name": ({"audio_base64": b64(CLIP.read_bytes()), "filename": 5}, "filename must be a string, not 5"),
    "bool number": ({"audio_base64": b64(CLIP.read_bytes()), "max_chunk": True}, "max_chunk must be a number"),
    "long chunk option": ({"audio_base64": b64(CLIP.read_bytes()), "max_chunk": 600}, "use 1 to 60 seconds"),
    "long planned chunk": ({"audio_base64": b64(CLIP.read_bytes()), "chunks": [[0, TOO_LONG_CHUNK]]},
                           f"each at most {TOO_LONG_CHUNK - 1} samples"),
    "big batch": ({"audio_base64": b64(CLIP.read_bytes()), "batch_size": 200}, "into one model call"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_fails_the_job_with_a_sentence(worker, case):
    job_input, phrase = BAD_INPUTS[case]
    answer = runsync(worker, job_input)
    assert answer["status"] == "FAILED" and "output" not in answer
    assert isinstance(answer["error"], str) and phrase in answer["error"], answer["error"]
    assert "Traceback" not in answer["error"]


def test_the_size_message_does_not_contradict_itself(worker):
    """1.0 MB over a 1 MB limit read as equal: the message names the limit only, exactly."""
    answer = runsync(worker, {"audio_base64": b64(bytes(MAX_MB * 1024**2 + 1))})
    assert answer["error"].startswith(f"The audio is bigger than the limit of {MAX_MB} MB"), answer["error"]
    assert "1.0 MB" not in answer["error"]


def vm_peak_mb(pid: int) -> float:
    """The highest resident memory a process has had (VmHWM), in MB."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


WORKER_PEAK_MB = 2500  # the worker with the fixture model loaded; one 600 s chunk on the CPU took over 9 GB


def test_a_long_planned_chunk_is_refused_before_any_memory_is_spent(worker):
    """chunks [[0, 9600000]] once took the worker to 16 GB: now the request is refused as it is read."""
    audio = b64(silent_flac(MAX_SECONDS - 5))
    before = vm_peak_mb(worker.proc.pid)
    answer = runsync(worker, {"audio_base64": audio, "chunks": [[0, 9_600_000]]})
    assert answer["status"] == "FAILED" and "chunks must be" in answer["error"]
    answer = runsync(worker, {"audio_base64": audio, "chunks": [[0, (MAX_SECONDS - 5) * SAMPLE_RATE]]})
    assert answer["status"] == "FAILED" and "chunks must be" in answer["error"]
    after = vm_peak_mb(worker.proc.pid)
    print(f"worker peak RSS {before:.0f} MB before, {after:.0f} MB after the long-chunk requests")
    assert after < WORKER_PEAK_MB and after - before < 100


@pytest.fixture
def secret(file_server):
    """An internal service the worker must never reach (not named in PREPIS_WORKER_URL_HOSTS)."""
    file_server.files["/secret.txt"] = b"internal secret"
    return file_server


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_refused_or_failed_fetch_gives_the_same_answer(worker, media, secret):
    """SSRF: local addresses however written, a redirect to one, the worker itself, a closed port, an HTTP error,
    a non-audio reply, an oversized file and a URL with a password all answer one sentence that tells the
    target apart from nothing; the internal server is never reached; the password is never echoed or logged."""
    port = secret.url.rsplit(":", 1)[1]
    media.redirects["/moved.wav"] = f"{secret.url}/secret.txt"
    media.files["/page.html"] = b"<html>not audio</html>" * 100
    media.files["/big.wav?token=tok3n"] = bytes(MAX_MB * 1024**2 + 1000)
    worker_port = worker.url.rsplit(":", 1)[1]
    urls = [f"{secret.url}/secret.txt", f"http://localhost:{port}/secret.txt", f"http://0x7f000001:{port}/secret.txt",
            f"http://2130706433:{port}/secret.txt", f"http://[::ffff:127.0.0.1]:{port}/secret.txt",
            f"{media.url}/moved.wav", f"http://127.0.0.1:{worker_port}/runsync", f"http://127.0.0.1:{closed_port()}/a",
            f"{media.url}/missing.wav", f"{media.url}/big.wav?token=tok3n",
            media.url.replace("//", "//ana:pa55word@") + "/clip.flac"]
    errors = set()
    for url in urls:
        answer = runsync(worker, {"audio_url": url})
        assert answer["status"] == "FAILED", (url, answer)
        errors.add(answer["error"])
    page = runsync(worker, {"audio_url": f"{media.url}/page.html"})
    assert page["status"] == "FAILED" and "not an audio or video file" in page["error"]  # it was allowed to fetch
    assert len(errors) == 1 and next(iter(errors)).startswith(REFUSED_URL), errors
    assert secret.requests == []
    log = worker.log_text()
    assert "pa55word" not in log and "tok3n" not in log and "secret.txt" not in log
def test_the_model_is_loaded_once_before_the_first_job(worker):
    assert runsync(worker, {"audio_base64": b64(CLIP.read_bytes())})["status"] == "COMPLETED"
    text = worker.log_text()
    assert text.count("model rsdo-2.0 ready") == 1
    assert text.index("model rsdo-2.0 ready") < text.index("Starting API server") < text.index("job test-")


def test_dockerfile_runs_only_commands_the_tests_or_ci_run():
    """The image's commands: scripts/setup (CI), the download and worker commands of this module, app.py."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    runs = [" ".join(line[4:].split()) for line in text.splitlines() if line.startswith("RUN ")]
    cmds = [json.loads(line[4:]) for line in text.splitlines() if line.startswith("CMD ")]
    assert runs[1:] == ["scripts/setup", " ".join(DOWNLOAD)]
    assert runs[0].startswith("apt-get update && apt-get install -y --no-install-recommends python3 python3-venv")
    assert cmds == [WORKER, [".venv/bin/python", "app.py"]]
    assert "scripts/setup" in (ROOT / ".ci" / "run").read_text()
