"""Shared fixtures: paths of the committed test model and clips, and a local HTTP file server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
TINY_MODEL = FIXTURES / "tiny-sl.nemo"
AUDIO = FIXTURES / "audio"


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    assert TINY_MODEL.is_file(), f"missing {TINY_MODEL}: see tests/fixtures/README.md"
    return TINY_MODEL


class FileServer:
    """Serves `files` (path -> bytes) with HTTP Range support; `cut_after` bytes ends a response early;
    `redirects` (path -> Location) answer 302."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.cut_after: int | None = None
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, "range": self.headers.get("Range")})
                if self.path in server.redirects:
                    self.send_response(302)
                    self.send_header("Location", server.redirects[self.path])
                    self.end_headers()
                    return
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                start = int(self.headers["Range"].split("=")[1].split("-")[0]) if self.headers.get("Range") else 0
                if start >= len(body):
                    self.send_error(416)
                    return
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                part = body[start:] if server.cut_after is None else body[start : start + server.cut_after]
                self.wfile.write(part)
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def model(request):
    """The model the launched app uses (tests/app_server.model_for_tests)."""
    from app_server import model_for_tests

    return model_for_tests(request)


@pytest.fixture(scope="module")
def app(tmp_path_factory, model):
    """`python app.py` launched once per test module on a free port, with its own data folder."""
    from app_server import AppServer

    with AppServer(tmp_path_factory.mktemp("app"), model) as server:
        yield server


@pytest.fixture
def file_server():
    with FileServer() as server:
        yield server
