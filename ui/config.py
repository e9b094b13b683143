"""Operator settings of the web app, from environment variables (read at launch, never at import).

| variable | meaning | default |
|---|---|---|
| PREPIS_USERS | logins `user:password,user2:password2`; turns login on | off |
| PREPIS_USERS_FILE | a file of `user:password` lines; turns login on | off |
| PREPIS_MAX_FILE_SIZE | the largest upload, e.g. `500mb`, `2gb` | `2gb` |
| PREPIS_QUEUE_SIZE | how many requests may wait in the queue | 20 |
| PREPIS_CONCURRENCY | how many transcriptions run at once | 1 |
| PREPIS_LOW_CONFIDENCE | words below this confidence are marked uncertain | 0.5 |
| PREPIS_SECRET | key that signs the browser's stored id (kept on the server); else `<data dir>/.browser-secret` | |
| PREPIS_LOGIN_PAUSE | seconds a user name waits after 10 wrong passwords in a row | 60 |
| PREPIS_DB | the review database file | `<PREPIS_DATA_DIR>/prepis.sqlite3` |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from asr.config import Settings

LOW_CONFIDENCE = 0.5  # words below this are marked uncertain (PREPIS_LOW_CONFIDENCE overrides)
SECRET_FILE = ".browser-secret"
DEFAULT_LOGIN_PAUSE = 60.0  # seconds a user name waits after too many wrong passwords


@dataclass(frozen=True)
class AppConfig:
    users: tuple[tuple[str, str], ...] = ()
    max_file_size: str = "2gb"
    queue_size: int = 20
    concurrency: int = 1
    low_confidence: float = LOW_CONFIDENCE
    db: Path = Path("prepis.sqlite3")
    secret: str = ""
    login_pause: float = DEFAULT_LOGIN_PAUSE  # seconds

    def __repr__(self) -> str:  # never show passwords or the secret
        return (f"AppConfig(users={[u for u, _ in self.users]}, max_file_size={self.max_file_size!r}, "
                f"queue_size={self.queue_size}, concurrency={self.concurrency}, db={str(self.db)!r})")

    @property
    def auth(self) -> list[tuple[str, str]] | None:
        return list(self.users) or None


def parse_users(text: str) -> list[tuple[str, str]]:
    """'alice:pw, bob:pw2' or one `user:password` a line (# comments) -> [(user, password)]."""
    users = []
    for item in text.replace(",", "\n").splitlines():
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        user, sep, password = item.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError(f"a login must be written user:password, not {item.split(':')[0]!r}…")
        users.append((user.strip(), password))
    return users


def browser_secret(data_dir: Path) -> str:
    """A stable key for the browser's stored identity, so that it is still readable after a restart."""
    if os.environ.get("PREPIS_SECRET"):
        return os.environ["PREPIS_SECRET"]
    path = data_dir / SECRET_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def load_app_config(settings: Settings) -> AppConfig:
    env = os.environ
    users = parse_users(env.get("PREPIS_USERS", ""))
    if env.get("PREPIS_USERS_FILE"):
        users += parse_users(Path(env["PREPIS_USERS_FILE"]).read_text(encoding="utf-8"))
    try:
        queue_size = int(env.get("PREPIS_QUEUE_SIZE", "20"))
        concurrency = int(env.get("PREPIS_CONCURRENCY", "1"))
        low = float(env.get("PREPIS_LOW_CONFIDENCE", str(LOW_CONFIDENCE)))
        pause = float(env.get("PREPIS_LOGIN_PAUSE", str(DEFAULT_LOGIN_PAUSE)))
    except ValueError as e:
        raise ValueError(f"PREPIS_QUEUE_SIZE and PREPIS_CONCURRENCY take whole numbers, "
                         f"PREPIS_LOW_CONFIDENCE a number from 0 to 1, PREPIS_LOGIN_PAUSE seconds: {e}") from e
    if queue_size < 1 or concurrency < 1 or not 0 <= low <= 1 or not pause > 0:
        raise ValueError("PREPIS_QUEUE_SIZE and PREPIS_CONCURRENCY must be at least 1, PREPIS_LOW_CONFIDENCE 0 to 1, "
                         "PREPIS_LOGIN_PAUSE above 0")
    return AppConfig(tuple(users), env.get("PREPIS_MAX_FILE_SIZE", "2gb"), queue_size, concurrency, low,
                     settings.db_path, browser_secret(settings.data_dir), pause)
