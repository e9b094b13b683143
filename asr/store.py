"""Reviews store: every transcript and every edit, saved as it happens in an embedded SQLite database.

One row a transcript (who owns it, its audio, its state), one row a segment (so an edit writes one
small row), and an append-only log of edits. The database runs in WAL mode with `synchronous=FULL`,
so a committed edit survives the process being killed. Every read and write names the owner, and a
transcript of another owner is never returned.

Where it lives: `Settings.db_path` (`PREPIS_DB`, else `<PREPIS_DATA_DIR>/prepis.sqlite3`). Audio kept for
playback lives beside it in `prepis-audio/`. A running transcription appends its final segments as they
come (one small write per batch, whatever the length of the transcript).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from asr.errors import NotFound, RequestError
from asr.types import Segment, Transcript, TranscriptionInfo

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
    speaker TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
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


# columns added since the first release, with their definition: added to an older database when opened
MIGRATIONS = {"segments": {"speaker": "TEXT", "extra": "TEXT NOT NULL DEFAULT '{}'"}}
SEGMENT_COLUMNS = 'idx, start, "end", text, reviewed, words, speaker, extra'


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


def _meta(transcript: Transcript) -> str:
    return json.dumps({**transcript.info.to_dict(), "processing_time": transcript.processing_time},
                      ensure_ascii=False)


def _segment_row(tid: str, s: Segment) -> tuple:
    """A segment as a row: the editable fields in columns, the rest of its JSON (Segment.to_dict) beside them."""
    data = s.to_dict()
    words = json.dumps(data.pop("words"), ensure_ascii=False)
    extra = {k: v for k, v in data.items() if k not in ("id", "start", "end", "text", "reviewed", "speaker")}
    return (tid, s.id, s.start, s.end, s.text, int(s.reviewed), words, s.speaker,
            json.dumps(extra, ensure_ascii=False))


def _segment(row: tuple) -> Segment:
    idx, start, end, text, reviewed, words, speaker, extra = row
    return Segment.from_dict({"id": idx, "start": start, "end": end, "text": text, "reviewed": bool(reviewed),
                              "words": json.loads(words), "speaker": speaker, **json.loads(extra)})


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
        self._migrate()

    def _migrate(self) -> None:
        for table, columns in MIGRATIONS.items():
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, definition in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")

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
        with self._tx() as db:
            db.execute("INSERT INTO transcripts VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
                       (tid, owner, transcript.info.audio.filename, audio_path, status, _meta(transcript), now, now))
            self._insert(db, tid, transcript.segments)
        return tid

    def append(self, owner: str, tid: str, segments: Iterable[Segment], transcript: Transcript | None = None) -> int:
        """Add the segments a running transcription made final (and, when given, its info so far).

        One transaction, as many rows as segments: the cost does not grow with the transcript. Returns the
        number of rows written.
        """
        with self._tx() as db:
            self._check(db, owner, tid)
            written = self._insert(db, tid, segments)
            if transcript is not None:
                db.execute("UPDATE transcripts SET meta = ?, updated = ? WHERE id = ?",
                           (_meta(transcript), time.time(), tid))
        return written

    @staticmethod
    def _insert(db: sqlite3.Connection, tid: str, segments: Iterable[Segment]) -> int:
        rows = [_segment_row(tid, s) for s in segments]
        db.executemany(f"INSERT INTO segments ({SEGMENT_COLUMNS.replace('idx', 'transcript_id, idx', 1)}) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def set_status(self, owner: str, tid: str, status: str, error: str = "") -> None:
        if status not in STATUSES:
            raise RequestError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
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
            raise RequestError(f"field must be one of {', '.join(EDITABLE)}, not {field!r}")
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
            if field == "text":  # the reviewer's text wins over every later stage; its old token map no longer fits
                db.execute(f"UPDATE segments SET extra = json_remove(json_set(extra, '$.edited', json('true')), "
                           f"'$.tokens') {where}", (tid, idx))
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
            rows = self._db.execute(f"SELECT {SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? ORDER BY idx",
                                    (tid,)).fetchall()
        meta = json.loads(row[0])
        return Transcript([_segment(r) for r in rows], TranscriptionInfo.from_dict(meta),
                          meta.get("processing_time", 0.0))

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
