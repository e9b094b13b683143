"""ui.editor.ops and ui.editor.service: what each editing action does to segments and to the store (real SQLite),
who may ask for it, and the sentences a refused action answers with."""

from __future__ import annotations

from dataclasses import replace

import pytest

from asr.errors import RequestError
from asr.store import Store
from asr.types import AudioInfo, Segment, Token, Transcript, TranscriptionInfo, Word
from ui.editor import ops
from ui.editor.service import EditorService, sign, view

SECRET = "s3cret"


def words() -> list[Word]:
    return [Word("dober", 0.5, 0.8, 0.97), Word("dan", 0.9, 1.2, 0.3), Word("danes", 2.5, 2.9, 0.9),
            Word("je", 3.0, 3.1, 0.2), Word("lepo", 3.2, 3.6, 0.9)]


def sample() -> Transcript:
    w = words()
    return Transcript([Segment.from_words(0, w[:2]), Segment.from_words(1, w[2:])],
                      TranscriptionInfo(AudioInfo("a.wav", 4.0)))


@pytest.fixture
def editor(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    yield EditorService(store, SECRET)
    store.close()


def ask(editor: EditorService, tid: str, op: str, owner: str = "alice", **args) -> dict:
    return editor.call({"op": op, "tid": tid, "owner": owner, "token": sign(SECRET, owner), "lang": "en", **args})


def texts(editor: EditorService, tid: str) -> list[str]:
    return [s.text for s in editor.store.load("alice", tid).segments]


def test_split_follows_raw_words_tokens_or_the_share_of_characters():
    seg = sample().segments[1]
    a, b = ops.split(seg, len("danes j"))  # inside a word: cut at the nearest space
    assert (a.text, b.text) == ("danes je", "lepo") and [w.word for w in b.words] == ["lepo"]
    assert (a.start, a.end, b.start, b.end) == (2.5, 3.1, 3.2, 3.6)
    readable = replace(seg, text="Danes je lepo.",
                       tokens=[Token("Danes", 0, 0), Token("je", 1, 1), Token("lepo.", 2, 2)])
    a, b = ops.split(readable, len("Danes"))
    assert b.tokens == [Token("je", 0, 0), Token("lepo.", 1, 1)] and [w.word for w in b.words] == ["je", "lepo"]
    block = ops.text_segment(seg, "danes pa ni lepo")
    assert block.edited and not block.tokens
    a, b = ops.split(block, len("danes pa"))  # half the characters: the words of the first half of the time
    assert a.text == "danes pa" and [w.word for w in a.words] == ["danes", "je"]
    with pytest.raises(RequestError):
        ops.split(seg, 0)


def test_merge_joins_texts_words_and_token_maps():
    first, second = sample().segments
    readable = replace(second, text="Danes je lepo.", tokens=[Token("Danes", 0, 0), Token("je", 1, 1),
                                                             Token("lepo.", 2, 2)])
    merged = ops.merged(first, readable)
    assert merged.text == "dober dan Danes je lepo." and len(merged.words) == 5
    assert merged.tokens[:2] == [Token("dober", 0, 0), Token("dan", 1, 1)] and merged.tokens[4] == Token("lepo.", 4, 4)
    edited = ops.merged(ops.text_segment(first, "dober večer"), second)
    assert edited.edited and edited.tokens == [] and edited.text == "dober večer danes je lepo"
    assert ops.merged(first, second).tokens == [] and not ops.merged(first, second).edited


def test_replace_and_retime():
    seg = sample().segments[1]
    assert ops.replaced(seg, "JE", "ni").text == "danes ni lepo"
    assert ops.replaced(seg, "nič", "x") is None
    with pytest.raises(RequestError):
        ops.retimed(seg, 3.0, 2.0, 4.0)
    with pytest.raises(RequestError):
        ops.retimed(seg, 1.0, 5.0, 4.0)
    assert ops.retimed(seg, 1.0, 3.9, 4.0).start == 1.0


def test_view_keeps_what_the_editor_needs():
    seg = replace(sample().segments[0], speaker="Ana", reviewed=True)
    seg.words[1].aligned = False
    assert view(seg) == {"s": 0.5, "e": 1.2, "t": "dober dan", "r": 1, "sp": "Ana",
                         "w": [["dober", 0.5, 0.8, 0.97], ["dan", 0.9, 1.2, 0.3, 0]]}


def test_actions_change_the_store_and_can_be_undone(editor):
    tid = editor.store.create("alice", sample(), status="done")
    answer = ask(editor, tid, "text", i=0, text="  dober  večer ")
    assert answer["ok"] and answer["changes"][0]["insert"][0]["t"] == "dober večer" and answer["undo"] == 1
    assert ask(editor, tid, "text", i=0, text="dober večer")["changes"] == []  # unchanged: nothing saved
    assert ask(editor, tid, "split", i=1, offset=6)["changes"][0]["remove"] == 1
    assert texts(editor, tid) == ["dober večer", "danes", "je lepo"]
    ask(editor, tid, "merge", i=0)
    ask(editor, tid, "speaker", i=1, speaker=" Bor ")
    ask(editor, tid, "reviewed", i=1, value=True)
    saved = editor.store.load("alice", tid).segments
    assert texts(editor, tid) == ["dober večer danes", "je lepo"] and saved[1].speaker == "Bor" and saved[1].reviewed
    assert ask(editor, tid, "replace", find="E", replace="é")["count"] == 6
    assert texts(editor, tid) == ["dobér véčér danés", "jé lépo"]
    ask(editor, tid, "text", i=1, text="")  # an emptied segment is deleted
    assert texts(editor, tid) == ["dobér véčér danés"]
    for _ in range(7):
        assert ask(editor, tid, "undo")["ok"]
    assert editor.store.load("alice", tid).to_dict() == sample().to_dict()
    assert ask(editor, tid, "undo")["note"] == "There is nothing to undo or redo."
    assert ask(editor, tid, "redo")["changes"][0]["insert"][0]["t"] == "dober večer"


def test_times_warn_on_overlap_and_refuse_what_is_not_a_span(editor):
    tid = editor.store.create("alice", sample(), status="done")
    overlapping = ask(editor, tid, "times", i=1, start=1.0, end=3.6)
    assert overlapping["warning"] == "Note: the segment now overlaps its neighbour."
    assert "warning" not in ask(editor, tid, "times", i=1, start=2.0, end=3.6)
    refused = ask(editor, tid, "times", i=1, start=3.0, end=2.0)
    assert not refused["ok"] and refused["error"].startswith("The time is not valid")
    assert not ask(editor, tid, "times", i=1, start="x", end=2.0)["ok"]
    assert editor.store.load("alice", tid).segments[1].start == 2.0
    assert ask(editor, tid, "merge", i=1)["error"] == "There is no segment after this one."


def test_reshaping_waits_for_the_run_and_only_the_owner_may_act(editor):
    tid = editor.store.create("alice", sample(), status="running")
    assert ask(editor, tid, "text", i=0, text="dober večer")["ok"]  # finished segments are editable while it runs
    for op, args in (("split", {"i": 1, "offset": 6}), ("merge", {"i": 0}), ("delete", {"i": 0}), ("undo", {})):
        answer = ask(editor, tid, op, **args)
        assert not answer["ok"] and "when the transcription is done" in answer["error"], op
    forged = editor.call({"op": "text", "tid": tid, "owner": "alice", "token": sign("other", "alice"), "i": 0,
                          "text": "x", "lang": "sl"})
    assert forged == {"ok": False, "error": "Tega prepisa ni (več)."}
    assert not ask(editor, tid, "text", owner="bob", i=0, text="x")["ok"]
    assert ask(editor, tid, "reviewed")["error"] == "Choose a segment first."
    assert texts(editor, tid) == ["dober večer", "danes je lepo"]


def test_the_save_path_has_one_seam_for_realignment(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    calls = []

    def realign(owner: str, tid: str, segment: Segment, text: str) -> Segment:
        calls.append((owner, segment.id, text))
        return replace(segment, text=text, words=[Word(w, segment.start, segment.end, 1.0) for w in text.split()],
                       tokens=[], edited=True)

    editor = EditorService(store, SECRET, realign)
    tid = store.create("alice", sample(), "/audio/a.wav", status="done")
    answer = ask(editor, tid, "text", i=1, text="danes ni lepo")
    assert calls == [("alice", 1, "danes ni lepo")]
    assert [w[0] for w in answer["changes"][0]["insert"][0]["w"]] == ["danes", "ni", "lepo"]
    store.close()
