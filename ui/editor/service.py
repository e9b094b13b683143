"""The editor's server side: what the browser's editor asks (save a text, split, merge, undo, ...), done in the
store as one transaction each, and the messages that tell the editor what to show. No gradio here.

The editor calls `EditorService.call(payload)` through the gr.HTML component's server function; the payload
names the owner with a token signed by the app's secret, so a browser can only change its own transcripts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from asr.errors import NotFound, PrepisError, RequestError, log_unexpected
from asr.store import Splice, Store
from asr.types import Segment
from ui.editor import ops
from ui.i18n import DEFAULT, LANGUAGES, t

log = logging.getLogger(__name__)

# (audio path, segment, the reviewer's text) -> the segment with that text and its words aligned to the audio
Realign = Callable[[str, str, Segment, str], Segment]  # owner, transcript id, segment, text -> segment
NOTES = ("note", "warning")  # keys of an answer whose values are texts of ui.i18n


def view(segment: Segment) -> dict[str, Any]:
    """A segment as the editor reads it (short keys: a 4-hour transcript is 40 000 words)."""
    words = [[w.word, w.start, w.end, round(w.confidence, 3), *([0] if not w.aligned else [])]
             for w in segment.words]
    data: dict[str, Any] = {"s": segment.start, "e": segment.end, "t": segment.text, "w": words}
    if segment.reviewed:
        data["r"] = 1
    if segment.speaker:
        data["sp"] = segment.speaker
    if segment.edited:
        data["ed"] = 1
    if segment.tokens:
        data["tk"] = [[k.text, k.first, k.last] for k in segment.tokens]
    return data


def pack(segments: list[Segment]) -> str:
    """Segments for a message to the editor: one JSON string, which the browser parses once (as a nested value,
    gradio's front end would wrap each of the 40 000 words of a long transcript in a reactive proxy)."""
    return json.dumps([view(s) for s in segments], ensure_ascii=False, separators=(",", ":"))


def sign(secret: str, owner: str) -> str:
    return hmac.new(secret.encode(), owner.encode(), hashlib.sha256).hexdigest()


def nonce() -> str:
    """Makes each message to the editor differ from the one before, so that it is always delivered."""
    return uuid.uuid4().hex[:12]


class Refused(RequestError):
    """An editing action that cannot be done; `key` names its sentence in ui.i18n."""

    def __init__(self, key: str):
        super().__init__(t("en", key))
        self.key = key


class EditorService:
    """The editor's actions on the store. `realign` is the seam for forced alignment: when set, a saved text is
    aligned to the audio (words, times, marks) before it is stored; without it the raw words stay."""

    def __init__(self, store: Store, secret: str, realign: Realign | None = None):
        self.store, self.secret, self.realign = store, secret, realign

    # ---- messages to the editor ----------------------------------------------------------------
    def opened(self, owner: str, tid: str | None, lang: str) -> dict[str, Any]:
        """The message that opens transcript `tid` (None: nothing open) in the editor."""
        if not tid:
            return {"kind": "open", "n": nonce(), "tid": None, "lang": lang}
        info = self.store.info(owner, tid)
        transcript = self.store.load(owner, tid)
        undo, redo = self.store.undo_depth(owner, tid)
        audio = f"/gradio_api/file={info['audio_path']}" if info["audio_path"] else ""
        return {"kind": "open", "n": nonce(), "tid": tid, "lang": lang, "owner": owner,
                "token": sign(self.secret, owner), "audio": audio, "duration": transcript.info.audio.duration,
                "running": info["status"] == "running", "undo": undo, "redo": redo,
                "segments": pack(transcript.segments)}

    @staticmethod
    def appended(tid: str, first: int, segments: list[Segment], lang: str) -> dict[str, Any]:
        """The message that adds segments a running transcription made final (only those)."""
        return {"kind": "append", "n": nonce(), "tid": tid, "lang": lang, "from": first,
                "segments": pack(segments)}

    @staticmethod
    def finished(tid: str, lang: str) -> dict[str, Any]:
        """The message that says the transcription ended: the document stays as it is."""
        return {"kind": "status", "n": nonce(), "tid": tid, "lang": lang, "running": False}

    @staticmethod
    def relabel(lang: str) -> dict[str, Any]:
        return {"kind": "lang", "n": nonce(), "lang": lang}

    # ---- the one entry point of the browser ----------------------------------------------------
    def call(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Do one action the editor asks for; the answer says what changed or, in the UI language, why not."""
        lang = payload.get("lang") if payload.get("lang") in LANGUAGES else DEFAULT
        try:
            owner, tid = self._who(payload)
            action = ACTIONS.get(str(payload.get("op")))
            if action is None:
                raise RequestError(f"unknown editor action {payload.get('op')!r}")
            splices, notes = action(self, owner, tid, payload)
            return self._answer(owner, tid, splices, {k: t(lang, v) if k in NOTES else v for k, v in notes.items()})
        except Refused as e:
            return {"ok": False, "error": t(lang, e.key)}
        except NotFound:
            return {"ok": False, "error": t(lang, "not_found")}
        except PrepisError as e:
            return {"ok": False, "error": str(e)}
        except Exception as e:
            return {"ok": False, "error": t(lang, "unexpected", ref=log_unexpected(log, e, "editor action"))}

    def _who(self, payload: dict[str, Any]) -> tuple[str, str]:
        owner, tid = str(payload.get("owner", "")), str(payload.get("tid") or "")
        if not owner or not tid or not hmac.compare_digest(sign(self.secret, owner), str(payload.get("token", ""))):
            raise NotFound(tid)
        return owner, tid

    def _answer(self, owner: str, tid: str, splices: list[Splice], notes: dict[str, Any]) -> dict[str, Any]:
        undo, redo = self.store.undo_depth(owner, tid)
        changes = [{"at": s.at, "remove": len(s.old), "insert": [view(x) for x in s.new]} for s in splices]
        return {"ok": True, "changes": changes, "undo": undo, "redo": redo, **notes}

    def _one(self, owner: str, tid: str, payload: dict[str, Any], count: int = 1) -> tuple[int, list[Segment]]:
        i = int(payload.get("i", -1))
        segments = self.store.segments(owner, tid, i, count) if i >= 0 else []
        if len(segments) < count:
            raise Refused("no_selection" if count == 1 else "no_next")
        return i, segments

    def _refuse_while_running(self, owner: str, tid: str) -> None:
        if self.store.info(owner, tid)["status"] == "running":
            raise Refused("ed_busy_reshape")

    # ---- the actions: each returns (splices as applied, notes for the editor) ------------------------
    def save_text(self, owner: str, tid: str, segment: Segment, text: str) -> Segment:
        """THE seam of the save path: the segment with the reviewer's text (re-aligned when `realign` is set)."""
        text = " ".join(text.split())
        if self.realign is None or not text:
            return ops.text_segment(segment, text)
        try:
            return self.realign(owner, tid, segment, text)
        except PrepisError as e:  # no kept audio, no local model: the text is saved with the old words
            log.warning("segment %d of %s saved without re-aligning its words: %s", segment.id, tid, e)
            return ops.text_segment(segment, text)

    def _text(self, owner: str, tid: str, p: dict[str, Any]):
        i, (segment,) = self._one(owner, tid, p)
        if " ".join(str(p.get("text", "")).split()) == segment.text:
            return [], {}
        new = self.save_text(owner, tid, segment, str(p.get("text", "")))
        if not new.text:  # an emptied segment is deleted (and can be brought back with undo)
            self._refuse_while_running(owner, tid)
            return self.store.change(owner, tid, "delete", [Splice(i, (segment,), ())]), {"note": "ed_deleted"}
        return self.store.change(owner, tid, "text", [Splice(i, (segment,), (new,))]), {}

    def _reviewed(self, owner: str, tid: str, p: dict[str, Any]):
        i, (segment,) = self._one(owner, tid, p)
        new = replace(segment, reviewed=bool(p.get("value")))
        return self.store.change(owner, tid, "reviewed", [Splice(i, (segment,), (new,))]), {}

    def _speaker(self, owner: str, tid: str, p: dict[str, Any]):
        i, (segment,) = self._one(owner, tid, p)
        speaker = " ".join(str(p.get("speaker") or "").split()) or None
        new = replace(segment, speaker=speaker, words=[replace(w, speaker=speaker) for w in segment.words])
        return self.store.change(owner, tid, "speaker", [Splice(i, (segment,), (new,))]), {}

    def _times(self, owner: str, tid: str, p: dict[str, Any]):
        i, (segment,) = self._one(owner, tid, p)
        try:
            start, end = float(p["start"]), float(p["end"])
        except (KeyError, TypeError, ValueError):
            raise Refused("ed_bad_time") from None
        duration = self.store.duration(owner, tid)
        try:
            new = ops.retimed(segment, start, end, duration)
        except RequestError:
            raise Refused("ed_bad_time") from None
        around = self.store.segments(owner, tid, max(0, i - 1), 3 if i else 2)
        before = around[0] if i else None
        after = next((s for s in around if s.id == i + 1), None)
        notes = {"warning": "ed_overlap"} if ops.overlaps(before, new, after) else {}
        return self.store.change(owner, tid, "times", [Splice(i, (segment,), (new,))]), notes

    def _split(self, owner: str, tid: str, p: dict[str, Any]):
        self._refuse_while_running(owner, tid)
        i, (segment,) = self._one(owner, tid, p)
        try:
            first, second = ops.split(segment, int(p.get("offset", 0)))
        except RequestError:
            raise Refused("ed_split_edge") from None
        return self.store.change(owner, tid, "split", [Splice(i, (segment,), (first, second))]), {}

    def _merge(self, owner: str, tid: str, p: dict[str, Any]):
        self._refuse_while_running(owner, tid)
        i, (first, second) = self._one(owner, tid, p, 2)
        return self.store.change(owner, tid, "merge", [Splice(i, (first, second), (ops.merged(first, second),))]), {}

    def _delete(self, owner: str, tid: str, p: dict[str, Any]):
        self._refuse_while_running(owner, tid)
        i, (segment,) = self._one(owner, tid, p)
        return self.store.change(owner, tid, "delete", [Splice(i, (segment,), ())]), {}

    def _replace(self, owner: str, tid: str, p: dict[str, Any]):
        find, new = str(p.get("find", "")), str(p.get("replace", ""))
        if not find.strip():
            raise Refused("ed_find_empty")
        splices, count = [], 0
        for segment in self.store.load(owner, tid).segments:
            changed = ops.replaced(segment, find, new)
            if changed is not None:
                count += segment.text.lower().count(find.lower())
                splices.append(Splice(segment.id, (segment,), (changed,)))
        if not splices:
            return [], {"count": 0}
        return self.store.change(owner, tid, "replace", splices), {"count": count}

    def _undo(self, owner: str, tid: str, p: dict[str, Any]):
        return self._history(owner, tid, self.store.undo)

    def _redo(self, owner: str, tid: str, p: dict[str, Any]):
        return self._history(owner, tid, self.store.redo)

    def _history(self, owner: str, tid: str, step):
        if self.store.info(owner, tid)["status"] == "running":
            raise Refused("ed_busy_reshape")  # an undone split would renumber what the job still appends
        splices = step(owner, tid)
        return (splices or []), ({} if splices else {"note": "ed_nothing"})


ACTIONS = {"text": EditorService._text, "reviewed": EditorService._reviewed, "speaker": EditorService._speaker,
           "times": EditorService._times, "split": EditorService._split, "merge": EditorService._merge,
           "delete": EditorService._delete, "replace": EditorService._replace, "undo": EditorService._undo,
           "redo": EditorService._redo}
