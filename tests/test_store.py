"""asr.store: transcripts and edits survive reopening and a killed process; owners never see each other's work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

from asr.config import load_settings
from asr.errors import NotFound, RequestError
from asr.store import Splice, Store
from asr.types import AudioInfo, ModelInfo, Segment, Token, Transcript, TranscriptionInfo, Word


def sample() -> Transcript:
    words = [Word("dober", 0.5, 0.8, 0.97), Word("dan", 0.9, 1.2, 0.41), Word("danes", 2.5, 2.9, 0.9)]
    segments = [Segment.from_words(0, words[:2]), Segment.from_words(1, words[2:])]
    segments[1].speaker = "Govorec 2"
    info = TranscriptionInfo(AudioInfo("a.wav", 3.0, "x"), ModelInfo("tiny", "y"), "local-cpu", "cpu", "fp32",
                             {"max_chunk": 20.0})
    return Transcript(segments, info, 1.5)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    yield s
    s.close()


def test_roundtrip_keeps_every_field(store):
    tid = store.create("alice", sample(), status="done")
    assert store.load("alice", tid).to_dict() == sample().to_dict()
    assert store.info("alice", tid) == {"filename": "a.wav", "audio_path": "", "status": "done", "error": ""}


def test_edits_are_applied_logged_and_survive_reopening(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    tid = store.create("alice", sample(), status="done")
    assert store.edit("alice", tid, 0, "text", "dober dan vsem")
    assert store.edit("alice", tid, 1, "reviewed", True)
    assert store.edit("alice", tid, 1, "start", 2.4)
    assert not store.edit("alice", tid, 1, "reviewed", True), "an unchanged value is not an edit"
    store.close()
    reopened = Store(path)
    t = reopened.load("alice", tid)
    assert [s.text for s in t.segments] == ["dober dan vsem", "danes"]
    assert [s.reviewed for s in t.segments] == [False, True]
    assert t.segments[1].start == 2.4
    assert [w.word for w in t.segments[0].words] == ["dober", "dan"], "the model's words stay"
    assert [(h["segment"], h["field"], h["old"], h["new"]) for h in reopened.history("alice", tid)] == [
        (0, "text", "dober dan", "dober dan vsem"), (1, "reviewed", 0, 1), (1, "start", 2.5, 2.4)]
    assert reopened.edit_count("alice", tid) == 3
    summary = reopened.list("alice")[0]
    assert (summary.id, summary.segments, summary.reviewed) == (tid, 2, 1)
    reopened.close()


def test_owners_are_isolated(store):
    tid = store.create("alice", sample())
    assert store.list("bob") == []
    for call in (lambda: store.load("bob", tid), lambda: store.edit("bob", tid, 0, "text", "x"),
                 lambda: store.delete("bob", tid), lambda: store.info("bob", tid)):
        with pytest.raises(NotFound):
            call()
    assert store.load("alice", tid).segments[0].text == "dober dan"


def test_append_status_recover_and_delete(store):
    full = sample()
    tid = store.create("alice", Transcript([], TranscriptionInfo(AudioInfo("a.wav"))))
    assert store.append("alice", tid, full.segments[:1]) == 1
    assert store.append("alice", tid, full.segments[1:], full) == 1, "one row a new segment, never a rewrite"
    assert store.load("alice", tid).to_dict() == full.to_dict()
    assert store.recover() == 1
    assert store.info("alice", tid)["status"] == "interrupted"
    with pytest.raises(RequestError, match="status must be one of"):
        store.set_status("alice", tid, "weird")
    with pytest.raises(RequestError, match="field must be one of"):
        store.edit("alice", tid, 0, "words", "x")
    store.delete("alice", tid)
    assert store.list("alice") == []


def test_wal_mode_and_db_path(tmp_path, monkeypatch):
    Store(tmp_path / "x.sqlite3").close()
    with sqlite3.connect(tmp_path / "x.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert load_settings(None, {"PREPIS_DATA_DIR": str(tmp_path)}).db_path == tmp_path / "prepis.sqlite3"
    elsewhere = {"PREPIS_DATA_DIR": str(tmp_path), "PREPIS_DB": str(tmp_path / "elsewhere.db")}
    assert load_settings(None, elsewhere).db_path == tmp_path / "elsewhere.db"


def test_an_edited_text_is_marked_edited(store):
    tid = store.create("alice", sample(), status="done")
    store.edit("alice", tid, 1, "text", "Danes.")
    segments = store.load("alice", tid).segments
    assert [s.edited for s in segments] == [False, True] and segments[1].speaker == "Govorec 2"


def test_an_edited_text_drops_the_token_map_of_the_text_it_replaced(store):
    transcript = sample()
    readable = transcript.segments[0]
    readable.text, readable.tokens = "Dober dan.", [Token("Dober", 0, 0), Token("dan.", 1, 1)]
    tid = store.create("alice", transcript, status="done")
    assert store.load("alice", tid).segments[0].tokens == readable.tokens
    store.edit("alice", tid, 0, "text", "Dober dan vsem.")
    edited = store.load("alice", tid).segments[0]
    assert edited.tokens == [] and edited.edited and edited.words == readable.words


def test_an_older_database_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the first release's segments table
        db.execute("CREATE TABLE segments (transcript_id TEXT NOT NULL, idx INTEGER NOT NULL, start REAL NOT NULL, "
                   '"end" REAL NOT NULL, text TEXT NOT NULL, reviewed INTEGER NOT NULL DEFAULT 0, words TEXT NOT NULL, '
                   "PRIMARY KEY (transcript_id, idx))")
    store = Store(path)
    tid = store.create("alice", sample(), status="done")
    assert store.load("alice", tid).to_dict() == sample().to_dict()
    store.close()


def test_an_edit_survives_sigkill_right_after_it(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    tid = store.create("alice", sample(), status="done")
    store.close()
    script = textwrap.dedent(f"""
        import os, signal, sys
        from asr.store import Store
        s = Store({str(path)!r})
        s.edit("alice", {tid!r}, 0, "text", "popravljeno besedilo")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd(), timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert Store(path).load("alice", tid).segments[0].text == "popravljeno besedilo"


def test_changes_renumber_segments_in_one_transaction_and_undo_redo_survive_reopening(tmp_path):
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    tid = store.create("alice", sample(), status="done")
    first, second = store.load("alice", tid).segments
    a, b = Segment.from_words(0, first.words[:1]), Segment.from_words(0, first.words[1:])
    applied = store.change("alice", tid, "split", [Splice(0, (first,), (a, b))])
    assert [s.id for s in applied[0].new] == [0, 1]
    assert [(s.id, s.text) for s in store.load("alice", tid).segments] == [(0, "dober"), (1, "dan"), (2, "danes")]
    store.change("alice", tid, "delete", [Splice(2, (replace(second, id=2),), ())])
    assert store.undo_depth("alice", tid) == (2, 0)
    store.close()
    reopened = Store(path)  # the history is in the database: a reload does not lose it
    assert reopened.undo("alice", tid) is not None
    assert [s.text for s in reopened.load("alice", tid).segments] == ["dober", "dan", "danes"]
    reopened.undo("alice", tid)
    assert reopened.load("alice", tid).to_dict() == sample().to_dict()
    assert reopened.undo("alice", tid) is None and reopened.undo_depth("alice", tid) == (0, 2)
    reopened.redo("alice", tid)
    assert [s.text for s in reopened.load("alice", tid).segments] == ["dober", "dan", "danes"]
    merged = Segment.from_words(0, sample().words)
    segments = reopened.load("alice", tid).segments
    reopened.change("alice", tid, "merge", [Splice(0, tuple(segments), (merged,))])
    assert reopened.undo_depth("alice", tid) == (2, 0), "a new change forgets what was undone"
    assert [h["field"] for h in reopened.history("alice", tid)] == [
        "split", "delete", "undo:delete", "undo:split", "redo:split", "merge"]
    reopened.close()


def test_a_change_to_what_is_no_longer_there_changes_nothing(store):
    tid = store.create("alice", sample(), status="done")
    first = store.load("alice", tid).segments[0]
    stale = replace(first, text="something else")
    with pytest.raises(RequestError, match="changed meanwhile"):
        store.change("alice", tid, "text", [Splice(0, (first,), (stale,)), Splice(0, (first,), (stale,))])
    assert store.load("alice", tid).to_dict() == sample().to_dict(), "the first splice was rolled back"
    assert store.undo_depth("alice", tid) == (0, 0) and store.history("alice", tid) == []
    with pytest.raises(NotFound):
        store.change("bob", tid, "text", [Splice(0, (first,), (stale,))])
def test_a_realigned_segment_is_saved_in_one_step_and_logged(tmp_path):
    from dataclasses import replace

    from asr.types import Token

    path = tmp_path / "db.sqlite3"
    store = Store(path)
    tid = store.create("alice", sample(), status="done")
    old = store.load("alice", tid).segments[0]
    new_words = [Word("dober", 0.52, 0.79, 0.95), Word("dan", 0.9, 1.15, 0.9), Word("vsem", 1.2, 1.2, 0.0,
                                                                                     aligned=False)]
    aligned = replace(old, start=0.45, text="Dober dan vsem!", words=new_words, edited=True,
                      tokens=[Token("Dober", 0, 0), Token("dan", 1, 1), Token("vsem!", 2, 2)])
    assert store.save_aligned("alice", tid, aligned)
    assert not store.save_aligned("alice", tid, aligned), "saving the same segment again changes nothing"
    store.close()
    reopened = Store(path)
    t = reopened.load("alice", tid)
    assert t.segments[0] == aligned and t.segments[1] == sample().segments[1]
    assert t.to_dict()["segments"][0]["words"][2] == {"word": "vsem", "start": 1.2, "end": 1.2, "confidence": 0.0,
                                                      "aligned": False}
    history = reopened.history("alice", tid)
    assert [(h["segment"], h["field"]) for h in history] == [(0, "text"), (0, "start"), (0, "words"), (0, "tokens")]
    assert history[0]["old"] == "dober dan" and history[2]["old"][1]["word"] == "dan"
    with pytest.raises(NotFound):
        reopened.save_aligned("bob", tid, aligned)
