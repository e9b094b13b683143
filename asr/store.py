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
from dataclasses import dataclass, replace
from pathlib import Path

from asr.errors import NotFound, RequestError
from asr.types import Segment, Transcript, TranscriptionInfo

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another one
STATUSES = ("running", "done", "cancelled", "failed", "interrupted")
EDITABLE = ("text", "start", "end", "reviewed", "speaker")
MAX_SPEAKER_NAME = 80  # characters

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
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    splices TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_transcript ON changes(transcript_id, id);
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


@dataclass(frozen=True)
class Splice:
    """Replace the segments `old` that start at index `at` with `new` (the segments after them move up or down).

    Every change the reviewer's editor makes is a list of splices: editing, marking, retiming or changing
    the speaker of a segment replaces one with one, splitting one with two, merging two with one, deleting
    one with none. The reverse of a splice undoes it."""

    at: int
    old: tuple[Segment, ...]
    new: tuple[Segment, ...]

    def reverse(self) -> Splice:
        return Splice(self.at, self.new, self.old)

    def to_dict(self) -> dict:
        return {"at": self.at, "old": [s.to_dict() for s in self.old], "new": [s.to_dict() for s in self.new]}

    @classmethod
    def from_dict(cls, data: dict) -> Splice:
        return cls(int(data["at"]), tuple(Segment.from_dict(s) for s in data["old"]),
                   tuple(Segment.from_dict(s) for s in data["new"]))
def speaker_name(value) -> str:
    """A reviewer's name for a speaker, trimmed; RequestError when it is empty or too long."""
    name = " ".join(str(value or "").split())
    if not name or len(name) > MAX_SPEAKER_NAME:
        raise RequestError(f"A speaker's name must have 1 to {MAX_SPEAKER_NAME} characters.")
    return name


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
    def changes(self) -> int:
        """Rows this connection has inserted, updated or deleted since it was opened (SQLite's total_changes)."""
        with self._lock:
            return self._db.total_changes

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
        new = {"reviewed": int, "speaker": speaker_name}.get(field, lambda v: v)(value)
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
            if field == "speaker":  # the segment's words were said by its speaker
                words = json.loads(db.execute(f"SELECT words FROM segments {where}", (tid, idx)).fetchone()[0])
                db.execute(f"UPDATE segments SET words = ? {where}",
                           (json.dumps([{**w, "speaker": new} for w in words], ensure_ascii=False), tid, idx))
            db.execute("INSERT INTO edits (transcript_id, idx, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)",
                       (tid, idx, field, json.dumps(row[0]), json.dumps(new), time.time()))
            db.execute("UPDATE transcripts SET updated = ? WHERE id = ?", (time.time(), tid))
        return True

    # ---- the editor's changes: one transaction each, logged, undoable after a reload ----------------------
    def change(self, owner: str, tid: str, label: str, splices: list[Splice]) -> list[Splice]:
        """Apply the reviewer's change (its splices in order) in one transaction and keep it for undo; a new
        change forgets what was undone before it. Returns the splices as applied (segment ids renumbered)."""
        with self._tx() as db:
            self._check(db, owner, tid)
            applied = [self._splice(db, tid, s) for s in splices]
            db.execute("DELETE FROM changes WHERE transcript_id = ? AND undone = 1", (tid,))
            db.execute("INSERT INTO changes (transcript_id, label, splices, at) VALUES (?, ?, ?, ?)",
                       (tid, label, json.dumps([s.to_dict() for s in applied], ensure_ascii=False), time.time()))
            self._log(db, tid, label, applied)
        return applied

    def undo(self, owner: str, tid: str) -> list[Splice] | None:
        """Take back the last change (None when there is none); returns the splices that did it."""
        return self._step(owner, tid, undone=0)

    def redo(self, owner: str, tid: str) -> list[Splice] | None:
        """Make again the change undone last (None when there is none)."""
        return self._step(owner, tid, undone=1)

    def undo_depth(self, owner: str, tid: str) -> tuple[int, int]:
        """How many changes can be undone and redone."""
        with self._lock:
            self._check(self._db, owner, tid)
            rows = dict(self._db.execute("SELECT undone, COUNT(*) FROM changes WHERE transcript_id = ? "
                                         "GROUP BY undone", (tid,)).fetchall())
        return rows.get(0, 0), rows.get(1, 0)

    def _step(self, owner: str, tid: str, undone: int) -> list[Splice] | None:
        order = "DESC" if undone == 0 else "ASC"  # undo the newest change; redo the oldest one undone
        with self._tx() as db:
            self._check(db, owner, tid)
            row = db.execute(f"SELECT id, label, splices FROM changes WHERE transcript_id = ? AND undone = ? "
                             f"ORDER BY id {order} LIMIT 1", (tid, undone)).fetchone()
            if row is None:
                return None
            splices = [Splice.from_dict(d) for d in json.loads(row[2])]
            if undone == 0:
                splices = [s.reverse() for s in reversed(splices)]
            applied = [self._splice(db, tid, s) for s in splices]
            db.execute("UPDATE changes SET undone = ? WHERE id = ?", (1 - undone, row[0]))
            self._log(db, tid, ("undo:" if undone == 0 else "redo:") + row[1], applied)
        return applied

    def _splice(self, db: sqlite3.Connection, tid: str, splice: Splice) -> Splice:
        """Replace the rows of `splice.old` with `splice.new`, moving the rows after them; a row that is not what
        the change expects (someone else changed it) refuses the whole change."""
        at, count = splice.at, len(splice.old)
        rows = db.execute(f"SELECT {SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? AND idx >= ? AND idx < ? "
                          "ORDER BY idx", (tid, at, at + count)).fetchall()
        if [_segment(r).to_dict() for r in rows] != [replace(s, id=at + k).to_dict() for k, s in enumerate(splice.old)]:
            raise RequestError("This part of the transcript was changed meanwhile; open the transcript again.")
        db.execute("DELETE FROM segments WHERE transcript_id = ? AND idx >= ? AND idx < ?", (tid, at, at + count))
        shift = len(splice.new) - count
        if shift:  # two steps through negative numbers, so that no index is ever taken twice
            db.execute("UPDATE segments SET idx = -(idx + ?) - 1 WHERE transcript_id = ? AND idx >= ?",
                       (shift, tid, at + count))
            db.execute("UPDATE segments SET idx = -idx - 1 WHERE transcript_id = ? AND idx < 0", (tid,))
        new = tuple(replace(s, id=at + k) for k, s in enumerate(splice.new))
        self._insert(db, tid, new)
        db.execute("UPDATE transcripts SET updated = ? WHERE id = ?", (time.time(), tid))
        return Splice(at, tuple(replace(s, id=at + k) for k, s in enumerate(splice.old)), new)

    @staticmethod
    def _log(db: sqlite3.Connection, tid: str, label: str, splices: list[Splice]) -> None:
        """One line of the edit log a splice: the texts before and after."""
        db.executemany("INSERT INTO edits (transcript_id, idx, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)",
                       [(tid, s.at, label, json.dumps([x.text for x in s.old], ensure_ascii=False),
                         json.dumps([x.text for x in s.new], ensure_ascii=False), time.time()) for s in splices])
    def save_aligned(self, owner: str, tid: str, segment: Segment) -> bool:
        """Save a re-aligned segment (asr.align.realign_segment): its text, bounds, words, tokens and `edited`, in one
        transaction; each changed field is logged in the edit history (the old words too). False if nothing changed.
        """
        with self._tx() as db:
            self._check(db, owner, tid)
            where = "WHERE transcript_id = ? AND idx = ?"
            row = db.execute(f"SELECT {SEGMENT_COLUMNS} FROM segments {where}", (tid, segment.id)).fetchone()
            if row is None:
                raise NotFound(f"segment {segment.id} of {tid}")
            old, new = _segment(row).to_dict(), segment.to_dict()
            changed = [f for f in ("text", "start", "end", "words", "tokens") if old.get(f) != new.get(f)]
            if not changed and old.get("edited") == new.get("edited"):
                return False
            _, _, start, end, text, _, words, _, extra = _segment_row(tid, segment)
            db.execute(f'UPDATE segments SET start = ?, "end" = ?, text = ?, words = ?, extra = ? {where}',
                       (start, end, text, words, extra, tid, segment.id))
            now = time.time()
            db.executemany("INSERT INTO edits (transcript_id, idx, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)",
                           [(tid, segment.id, f, json.dumps(old.get(f), ensure_ascii=False),
                             json.dumps(new.get(f), ensure_ascii=False), now) for f in changed])
            db.execute("UPDATE transcripts SET updated = ? WHERE id = ?", (now, tid))
        return True
    def rename_speaker(self, owner: str, tid: str, old: str, new: str) -> int:
        """Rename speaker `old` to `new` everywhere in the transcript (segments and words), each change logged.

        Returns how many segments changed (0: nobody is called `old`). Renaming onto an existing name joins the
        two speakers.
        """
        new = speaker_name(new)
        with self._tx() as db:
            self._check(db, owner, tid)
            rows = db.execute("SELECT idx, speaker, words FROM segments WHERE transcript_id = ? ORDER BY idx",
                              (tid,)).fetchall()
            changed = 0
            for idx, speaker, words in rows:
                data = json.loads(words)
                if speaker != old and all(w.get("speaker") != old for w in data):
                    continue
                renamed = [{**w, "speaker": new} if w.get("speaker") == old else w for w in data]
                db.execute("UPDATE segments SET speaker = ?, words = ? WHERE transcript_id = ? AND idx = ?",
                           (new if speaker == old else speaker, json.dumps(renamed, ensure_ascii=False), tid, idx))
                db.execute("INSERT INTO edits (transcript_id, idx, field, old, new, at) VALUES (?, ?, ?, ?, ?, ?)",
                           (tid, idx, "speaker", json.dumps(old), json.dumps(new), time.time()))
                changed += 1
            if changed:
                db.execute("UPDATE transcripts SET updated = ? WHERE id = ?", (time.time(), tid))
        return changed

    def replace_segments(self, owner: str, tid: str, transcript: Transcript) -> int:
        """Put the transcript's segments in place of the saved ones (a pipeline step that rewrote them all, such
        as speaker labelling: asr.pipeline.Update.replaced), with its info; returns the number of rows."""
        with self._tx() as db:
            self._check(db, owner, tid)
            db.execute("DELETE FROM segments WHERE transcript_id = ?", (tid,))
            written = self._insert(db, tid, transcript.segments)
            db.execute("UPDATE transcripts SET meta = ?, updated = ? WHERE id = ?",
                       (_meta(transcript), time.time(), tid))
        return written

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

    def segments(self, owner: str, tid: str, at: int, count: int) -> list[Segment]:
        """`count` segments from index `at` (fewer at the end): a few rows, whatever the transcript's length."""
        with self._lock:
            self._check(self._db, owner, tid)
            rows = self._db.execute(f"SELECT {SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? AND idx >= ? "
                                    "AND idx < ? ORDER BY idx", (tid, at, at + count)).fetchall()
        return [_segment(r) for r in rows]

    def duration(self, owner: str, tid: str) -> float:
        """Seconds of audio of the transcript (0 while not known)."""
        with self._lock:
            row = self._db.execute("SELECT meta FROM transcripts WHERE id = ? AND owner = ?", (tid, owner)).fetchone()
        if row is None:
            raise NotFound(tid)
        return float((json.loads(row[0]).get("audio") or {}).get("duration") or 0.0)

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
