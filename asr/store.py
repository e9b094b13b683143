"""Reviews store: every transcript and every edit, saved as it happens in an embedded SQLite database.

One row a transcript (who owns it, its audio, its state), one row a segment (so an edit writes one
small row), and an append-only log of edits. The database runs in WAL mode with `synchronous=FULL`,
so a committed edit survives the process being killed. Every read and write names the owner, and a
transcript of another owner is never returned.

Where it lives: `PREPIS_DB` (a file path) if set, otherwise `<PREPIS_DATA_DIR>/prepis.sqlite3`
(see `db_path`). Audio kept for playback lives beside it in `prepis-audio/`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from asr.types import Segment, Transcript, Word

DB_FILE = "prepis.sqlite3"
BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one
STATUSES = ("running", "done", "cancelled", "failed", "interrupted")
EDITABLE = ("text", "start", "end", "reviewed")

SCHEMA = """
CREATE TABLE IF NOT EXISTS transcripts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    audio_path TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS transcripts_owner ON transcripts(owner, updated);
CREATE TABLE IF NOT EXISTS segments (
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start REAL NOT NULL,
    "end" REAL NOT NULL,
    text TEXT NOT NULL,
    reviewed INTEGER NOT NULL DEFAULT 0,
    words TEXT NOT NULL,
    PRIMARY KEY (transcript_id, idx)
);
CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    at REAL NOT NULL
);
"""


class NotFound(KeyError):
    """No transcript with that id belongs to that owner."""


@dataclass(frozen=True)
class Summary:
    """One line of an owner's "my transcripts" list."""

    id: str
    filename: str
    status: str
    created: float
    updated: float
    segments: int
    reviewed: int


def db_path(data_dir: str | os.PathLike) -> Path:
    """`PREPIS_DB` if set, else `<data_dir>/prepis.sqlite3`."""
    explicit = os.environ.get("PREPIS_DB")
    return Path(explicit) if explicit else Path(data_dir) / DB_FILE


def _meta(transcript: Transcript) -> str:
    data = transcript.to_dict()
    return json.dumps({k: data[k] for k in ("version", "audio", "model", "backend", "processing_time", "options")},
                      ensure_ascii=False)


def _segment_row(tid: str, s: Segment) -> tuple:
    words = json.dumps([asdict(w) for w in s.words], ensure_ascii=False)
    return tid, s.id, s.start, s.end, s.text, int(s.reviewed), words


class Store:
    """A SQLite database of transcripts and their edits. Safe to share between threads."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @property
    def audio_dir(self) -> Path:
        return self.path.parent / "prepis-audio"

    def create(self, owner: str, transcript: Transcript, audio_path: str = "", status: str = "running") -> str:
        """Save a new transcript for `owner`; returns its id."""
        tid = uuid.uuid4().hex
        now = time.time()
        filename = transcript.audio.get("filename", "")
        with self._tx() as db:
            db.execute("INSERT INTO transcripts VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
                       (tid, owner, filename, audio_path, status, _meta(transcript), now, now))
            db.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [_segment_row(tid, s) for s in transcript.segments])
        return tid

    def replace(self, owner: str, tid: str, transcript: Transcript, status: str | None = None) -> None:
        """Replace all segments (a running transcription that grew); edits are not logged for this."""
        with self._tx() as db:
            self._check(db, owner, tid)
            db.execute("DELETE FROM segments WHERE transcript_id = ?", (tid,))
            db.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [_segment_row(tid, s) for s in transcript.segments])
            db.execute("UPDATE transcripts SET meta = ?, status = COALESCE(?, status), updated = ? WHERE id = ?",
                       (_meta(transcript), status, time.time(), tid))

    def set_status(self, owner: str, tid: str, status: str, error: str = "") -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        with self._tx() as db:
            self._check(db, owner, tid)
            db.execute("UPDATE transcripts SET status = ?, error = ?, updated = ? WHERE id = ?",
                       (status, error, time.time(), tid))

    def set_audio(self, owner: str, tid: str, audio_path: str) -> None:
        with self._tx() as db:
            self._check(db, owner, tid)
            db.execute("UPDATE transcripts SET audio_path = ? WHERE id = ?", (audio_path, tid))

    def edit(self, owner: str, tid: str, idx: int, field: str, value) -> bool:
        """Change one field of one segment and log it; False if the value is already that."""
        if field not in EDITABLE:
            raise ValueError(f"field must be one of {', '.join(EDITABLE)}, not {field!r}")
        column = '"end"' if field == "end" else field
        new = int(value) if field == "reviewed" else value
        with self._tx() as db:
            self._check(db, owner, tid)
            where = "WHERE transcript_id = ? AND idx = ?"
            row = db.execute(f"SELECT {column} FROM segments {where}", (tid, idx)).fetchone()
            if row is None:
                raise NotFound(f"segment {idx} of {tid}")
            if row[0] == new:
                return False
            db.execute(f"UPDATE segments SET {column} = ? {where}", (new, tid, idx))
            db.execute("INSERT INTO edits (transcript_id, idx, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (tid, idx, field, json.dumps(row[0]), json.dumps(new), time.time()))
            db.execute("UPDATE transcripts SET updated = ? WHERE id = ?", (time.time(), tid))
        return True

    def load(self, owner: str, tid: str) -> Transcript:
        """The transcript with all its edits."""
        with self._lock:
            row = self._db.execute("SELECT meta FROM transcripts WHERE id = ? AND owner = ?", (tid, owner)).fetchone()
            if row is None:
                raise NotFound(tid)
            rows = self._db.execute('SELECT idx, start, "end", text, reviewed, words FROM segments '
                                    "WHERE transcript_id = ? ORDER BY idx", (tid,)).fetchall()
        meta = json.loads(row[0])
        segments = [Segment(i, start, end, text, [Word(**w) for w in json.loads(words)], bool(reviewed))
                    for i, start, end, text, reviewed, words in rows]
        return Transcript(segments, meta.get("audio", {}), meta.get("model", {}), meta.get("backend", ""),
                          meta.get("processing_time", 0.0), meta.get("options", {}))

    def info(self, owner: str, tid: str) -> dict:
        """filename, audio_path, status and error of a transcript."""
        with self._lock:
            row = self._db.execute("SELECT filename, audio_path, status, error FROM transcripts "
                                   "WHERE id = ? AND owner = ?", (tid, owner)).fetchone()
        if row is None:
            raise NotFound(tid)
        return dict(zip(("filename", "audio_path", "status", "error"), row, strict=True))

    def list(self, owner: str, limit: int = 200) -> list[Summary]:
        """The owner's transcripts, the most recently changed first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT t.id, t.filename, t.status, t.created, t.updated, COUNT(s.idx), COALESCE(SUM(s.reviewed), 0) "
                "FROM transcripts t LEFT JOIN segments s ON s.transcript_id = t.id WHERE t.owner = ? "
                "GROUP BY t.id ORDER BY t.updated DESC LIMIT ?", (owner, limit)).fetchall()
        return [Summary(*r) for r in rows]

    def history(self, owner: str, tid: str) -> list[dict]:
        """The edit log of a transcript, oldest first."""
        with self._lock:
            self._check(self._db, owner, tid)
            rows = self._db.execute("SELECT idx, field, old, new, at FROM edits WHERE transcript_id = ? ORDER BY id",
                                    (tid,)).fetchall()
        return [{"segment": i, "field": f, "old": json.loads(o), "new": json.loads(n), "at": at}
                for i, f, o, n, at in rows]

    def edit_count(self, owner: str, tid: str) -> int:
        """How many edits of the transcript are saved."""
        with self._lock:
            self._check(self._db, owner, tid)
            return self._db.execute("SELECT COUNT(*) FROM edits WHERE transcript_id = ?", (tid,)).fetchone()[0]

    def delete(self, owner: str, tid: str) -> None:
        with self._tx() as db:
            self._check(db, owner, tid)
            audio = db.execute("SELECT audio_path FROM transcripts WHERE id = ?", (tid,)).fetchone()[0]
            db.execute("DELETE FROM transcripts WHERE id = ?", (tid,))
        if audio and Path(audio).is_relative_to(self.audio_dir):
            Path(audio).unlink(missing_ok=True)

    def recover(self) -> int:
        """Mark transcriptions that were running when the process stopped as interrupted; returns how many."""
        with self._tx() as db:
            return db.execute("UPDATE transcripts SET status = 'interrupted' WHERE status = 'running'").rowcount

    @staticmethod
    def _check(db: sqlite3.Connection, owner: str, tid: str) -> None:
        if db.execute("SELECT 1 FROM transcripts WHERE id = ? AND owner = ?", (tid, owner)).fetchone() is None:
            raise NotFound(tid)
