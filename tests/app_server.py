"""Launch the real app (`python app.py`) as a subprocess on a free port, for the API and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120  # seconds until the server answers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python app.py` with its own data folder; `kill()` is SIGKILL, `stop()` a clean stop."""

    def __init__(self, data_dir: Path, model: Path, **env: str):
        self.data_dir, self.model, self.extra = Path(data_dir), Path(model), env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir / "app.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREPIS_", "RUNPOD_", "GRADIO_"))}
        env.update(ASR_MODEL=str(self.model), ASR_DEVICE="cpu", TRANSCRIPTION_PROVIDER="local",
                   PREPIS_DATA_DIR=str(self.data_dir), GRADIO_SERVER_NAME="127.0.0.1",
                   GRADIO_SERVER_PORT=str(self.port), GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
        env.update(self.extra)
        return env

    def start(self) -> AppServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5):
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"app.py did not answer within {START_TIMEOUT} s:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def model_for_tests(request) -> Path:
    """The fixture model; PREPIS_TEST_MODEL points the app tests at another .nemo (e.g. while it is trained)."""
    explicit = os.environ.get("PREPIS_TEST_MODEL")
    return Path(explicit) if explicit else request.getfixturevalue("tiny_model")
