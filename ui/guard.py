"""What login alone does not protect: files of other users, password guessing, the browser's stored id.

- `LoginLimiter` is the app's `auth` function: after MAX_LOGIN_FAILURES wrong passwords for one user name, every
  attempt for that name is answered 429 until a pause has passed (the right password works again after it).
- `FileOwners` + `OwnFiles` (an ASGI middleware): Gradio serves any file it created or that lies in
  `allowed_paths` to any logged-in user who has the URL (`/gradio_api/file=<path>`). The middleware records
  which user each file path was sent to (upload answers and event results) and refuses the file route to
  everyone else, so a leaked URL is not enough.
- `BodyLimit` (an ASGI middleware): a JSON request over MAX_JSON_BODY is refused before Gradio reads and parses
  it, so a huge /export cannot hold up the server.
- `sign_browser_id` / `verify_browser_id`: Gradio's BrowserState sends its `secret` to every browser in /config,
  so the id it stores is signed here with the server's key (PREPIS_SECRET), which never leaves the server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import unquote

from gradio.utils import abspath

from asr.limits import MAX_EXPORT_BYTES

MAX_LOGIN_FAILURES = 10  # wrong passwords in a row for one user name before the pause
FILE_ROUTE = "/gradio_api/file="
UPLOAD_ROUTE = "/gradio_api/upload"
MAX_TRACKED_FILES = 200_000  # file paths remembered (the oldest are forgotten first)
SCAN_TAIL = 4096  # characters of a response kept to find a path cut between two chunks
PATH_FIELD = re.compile(r'"path":\s*"((?:[^"\\]|\\.)*)"')
FILE_URL = re.compile(r'/gradio_api/file=([^"\\\s]+)')  # a file's address in a message (the editor's audio)
ID_BYTES = 16  # random bytes of a browser id
MAX_JSON_BODY = MAX_EXPORT_BYTES + 1024**2  # bytes of a JSON request: the largest transcript, and its envelope


class LoginLimiter:
    """Gradio's `auth` callable: checks a password and pauses a user name after too many wrong ones."""

    def __init__(self, users: dict[str, str], pause: float, clock: Callable[[], float] = time.monotonic):
        self.users, self.pause, self.clock = users, pause, clock
        self._failures: dict[str, tuple[int, float]] = {}  # user name -> (wrong in a row, time of the last)
        self._lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        from fastapi import HTTPException

        with self._lock:
            count, last = self._failures.get(username, (0, 0.0))
            wait = last + self.pause - self.clock()
            if count >= MAX_LOGIN_FAILURES and wait > 0:
                raise HTTPException(429, f"Too many wrong passwords; try again in {wait:.0f} s.",
                                    headers={"Retry-After": str(max(1, round(wait)))})
            expected = self.users.get(username)
            ok = expected is not None and hmac.compare_digest(password.encode(), expected.encode())
            if ok:
                self._failures.pop(username, None)
            else:
                self._failures[username] = (count + 1, self.clock())  # past the limit: one try per pause
            return ok


class FileOwners:
    """Which logged-in users were sent each file path (a path may be sent to several)."""

    def __init__(self, limit: int = MAX_TRACKED_FILES):
        self.limit = limit
        self._owners: OrderedDict[str, set[str]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(path: str) -> str:
        return str(abspath(path))

    def add(self, user: str, path: str) -> None:
        key = self.key(path)
        with self._lock:
            self._owners.setdefault(key, set()).add(user)
            self._owners.move_to_end(key)
            while len(self._owners) > self.limit:
                self._owners.popitem(last=False)

    def allows(self, user: str, path: str) -> bool:
        with self._lock:
            return user in self._owners.get(self.key(path), ())


class OwnFiles:
    """ASGI middleware: records the files each user is sent; the file route serves a user only theirs."""

    def __init__(self, app, owners: FileOwners):
        self.app, self.owners = app, owners

    async def __call__(self, scope, receive, send):
        user = _user(scope) if scope["type"] == "http" else None
        if user is None:  # no login (or not logged in: Gradio itself answers 401)
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.startswith(FILE_ROUTE):
            if not self.owners.allows(user, path[len(FILE_ROUTE):]):
                return await _not_found(send)
            return await self.app(scope, receive, send)
        return await self.app(scope, receive, _Recorder(self.owners, user, path.rstrip("/") == UPLOAD_ROUTE, send))


class BodyLimit:
    """ASGI middleware: a JSON request bigger than `max_bytes` is answered 413 before it is read or parsed (uploads
    are multipart and limited by PREPIS_MAX_FILE_SIZE instead)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            return await self.app(scope, receive, send)
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            return await _too_large(send, self.max_bytes)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:  # a chunked body with no length given
                raise _BodyTooLarge()
            return message

        try:
            return await self.app(scope, counted, send)
        except _BodyTooLarge:
            return await _too_large(send, self.max_bytes)


class _BodyTooLarge(Exception):
    pass


class _Recorder:
    """Wraps `send`: every file path in a JSON or event-stream answer is recorded as sent to `user`."""

    def __init__(self, owners: FileOwners, user: str, upload: bool, send):
        self.owners, self.user, self.upload, self.send = owners, user, upload, send
        self.scan, self.text = False, ""

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers") or []).get(b"content-type", b"")
            self.scan = kind.startswith((b"application/json", b"text/event-stream"))
        elif message["type"] == "http.response.body" and self.scan:
            self._record(message.get("body", b"").decode("utf-8", "replace"), not message.get("more_body"))
        await self.send(message)

    def _record(self, chunk: str, last: bool) -> None:
        if self.upload:  # the upload route answers a JSON list of the stored paths
            self.text += chunk
            if last:
                for path in _json(self.text) if isinstance(_json(self.text), list) else []:
                    if isinstance(path, str):
                        self.owners.add(self.user, path)
            return
        text = self.text + chunk
        for match in PATH_FIELD.finditer(text):
            path = _json(f'"{match.group(1)}"')
            if isinstance(path, str):
                self.owners.add(self.user, path)
        for match in FILE_URL.finditer(text):
            self.owners.add(self.user, unquote(match.group(1)))
        self.text = text[-SCAN_TAIL:]


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:  # not JSON (an error page): nothing in it is recorded
        return None


def _user(scope) -> str | None:
    """The logged-in user of a request, from Gradio's own login cookie."""
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if not tokens or cookie_id is None:
        return None
    header = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except Exception:  # a malformed cookie header: treated as no cookie
        return None
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in cookies and cookies[name].value in tokens:
            return tokens[cookies[name].value]
    return None


async def _not_found(send) -> None:
    await _answer(send, 404, "Not Found")


async def _too_large(send, max_bytes: int) -> None:
    await _answer(send, 413, f"The request is bigger than this app's limit of {max_bytes / 1024**2:g} MB of JSON; "
                             "send less (a long transcript can be exported in parts).")


async def _answer(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, separators=(",", ":")).encode()  # as Gradio writes its own
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def sign_browser_id(secret: str, browser_id: str | None = None) -> str:
    """`<id>.<signature>`: what the browser keeps; a new random id when none is given."""
    browser_id = browser_id or secrets.token_hex(ID_BYTES)
    return f"{browser_id}.{_signature(secret, browser_id)}"


def verify_browser_id(secret: str, stored: object) -> str | None:
    """The id in a value the browser kept, if this server signed it; None otherwise."""
    if not isinstance(stored, str) or stored.count(".") != 1:
        return None
    browser_id, signature = stored.split(".")
    return browser_id if hmac.compare_digest(signature, _signature(secret, browser_id)) else None


def _signature(secret: str, browser_id: str) -> str:
    return hmac.new(secret.encode(), browser_id.encode(), hashlib.sha256).hexdigest()[:32]
