"""Handlers of the review view: choose a segment, correct it, mark it reviewed, jump to uncertain words,
download. Every change is written to the store before the handler returns."""

from __future__ import annotations

import logging
from datetime import datetime

import gradio as gr

from asr.align import realign
from asr.errors import PrepisError, RequestError
from asr.pipeline import load_audio
from asr.store import Store
from asr.types import Transcript
from ui import review
from ui.config import AppConfig
from ui.handlers import export_file, user_error
from ui.i18n import clock, t
from ui.service import ModelService

log = logging.getLogger(__name__)


class Editing:
    def __init__(self, store: Store, config: AppConfig, service: ModelService):
        self.store, self.config, self.service = store, config, service

    def _load(self, owner: str, tid: str | None, lang: str) -> Transcript:
        if not tid:
            raise gr.Error(t(lang, "no_transcript"))
        try:
            return self.store.load(owner, tid)
        except Exception as e:
            raise user_error(lang, e) from e

    def focus(self, transcript: Transcript, idx: int | None, lang: str, at: float | None = None):
        """(sel, player, details, mark button) for segment `idx`; the player moves to `at` or its start."""
        if idx is None or not 0 <= idx < len(transcript.segments):
            return None, gr.skip(), gr.update(value=None, visible=False), gr.update(value=t(lang, "mark"))
        seg = transcript.segments[idx]
        position = seg.start if at is None else at
        label = f"#{idx + 1} · {clock(seg.start)}–{clock(seg.end)} · {t(lang, 'segment')}"
        details = gr.update(value=review.marked_words(seg, self.config.low_confidence), visible=True, label=label)
        return (idx, gr.update(playback_position=round(position, 2)), details,
                gr.update(value=t(lang, "unmark" if seg.reviewed else "mark")))

    def on_select(self, tid: str | None, owner: str, lang: str, evt: gr.SelectData):
        transcript = self._load(owner, tid, lang)
        idx = review.segment_index(evt.row_value[0]) if evt.row_value else evt.index[0]
        return self.focus(transcript, idx, lang)

    def on_next_unsure(self, tid: str | None, sel: int | None, owner: str, lang: str):
        transcript = self._load(owner, tid, lang)
        found = review.next_unsure(transcript, sel, self.config.low_confidence)
        if found is None:
            gr.Info(t(lang, "no_unsure"))
            return self.focus(transcript, sel, lang)
        idx, word = found
        return self.focus(transcript, idx, lang, at=review.seek_time(word))

    def on_mark(self, tid: str | None, sel: int | None, owner: str, lang: str):
        """Toggle "reviewed" on the chosen segment; after marking one, move on to the next."""
        transcript = self._load(owner, tid, lang)
        if sel is None or not 0 <= sel < len(transcript.segments):
            raise gr.Error(t(lang, "no_selection"))
        self._refuse_while_running(owner, tid, lang)
        reviewed = not transcript.segments[sel].reviewed
        self.store.edit(owner, tid, sel, "reviewed", reviewed)
        transcript = self.store.load(owner, tid)
        following = sel + 1 if reviewed and sel + 1 < len(transcript.segments) else sel
        table = review.table(transcript, lang, self.config.low_confidence)
        count = self.store.edit_count(owner, tid)
        return (table, review.share(transcript, lang), saved(lang, count), *self.focus(transcript, following, lang))

    def on_edit(self, rows, tid: str | None, sel: int | None, owner: str, lang: str):
        """Save what the reviewer changed in the table; a time that is not valid is put back as it was."""
        transcript = self._load(owner, tid, lang)
        self._refuse_while_running(owner, tid, lang)
        edits, bad = review.table_edits(_rows(rows), transcript)
        self._save(owner, tid, transcript, edits, lang)
        before = [(s.start, s.end) for s in transcript.segments]
        transcript = self.store.load(owner, tid)
        if bad:
            gr.Warning(t(lang, "bad_time", value=bad[0]))
        retimed = bad or before != [(s.start, s.end) for s in transcript.segments]  # a re-aligned text may widen
        table = review.table(transcript, lang, self.config.low_confidence) if retimed else gr.skip()
        details = gr.skip()
        if sel is not None and any(e.segment == sel for e in edits):
            details = review.marked_words(transcript.segments[sel], self.config.low_confidence)
        player = gr.update(subtitles=review.subtitles(transcript)) if edits else gr.skip()
        note = saved(lang, self.store.edit_count(owner, tid)) if edits else gr.skip()
        return table, review.share(transcript, lang), note, details, player

    def _save(self, owner: str, tid: str, transcript: Transcript, edits: list[review.Edit], lang: str) -> None:
        """Save the edits; a segment whose text or bounds changed gets its words re-aligned to its audio. When that
        cannot be done (the audio was not kept, no local model), the edit is saved with the old words."""
        changed: dict[int, dict] = {}
        for edit in edits:
            changed.setdefault(edit.segment, {})[edit.field] = edit.value
        samples = None
        for idx, fields in changed.items():
            try:
                samples = self._samples(owner, tid) if samples is None else samples
                model = self.service.aligner(transcript.info.model.name).engine
                segment = realign(model, samples, transcript, idx, fields.get("text"), fields.get("start"),
                                  fields.get("end"))
                self.store.save_aligned(owner, tid, segment)
            except PrepisError as e:
                log.warning("segment %d of %s saved without re-aligning its words: %s", idx, tid, e)
                gr.Warning(t(lang, "not_aligned", reason=str(e)))
                for field, value in fields.items():
                    self.store.edit(owner, tid, idx, field, value)

    def _samples(self, owner: str, tid: str):
        path = self.store.info(owner, tid)["audio_path"]
        if not path:
            raise RequestError("The recording of this transcript was not kept.")
        return load_audio(path).samples

    def on_export(self, tid: str | None, fmt: str, owner: str, lang: str):
        transcript = self._load(owner, tid, lang)
        try:
            return gr.update(value=str(export_file(transcript, fmt)), visible=True)
        except Exception as e:
            raise user_error(lang, e) from e

    def _refuse_while_running(self, owner: str, tid: str, lang: str) -> None:
        if self.store.info(owner, tid)["status"] == "running":
            raise gr.Error(t(lang, "busy"))


def saved(lang: str, count: int) -> str:
    """The autosave note: when the last change was written to the database, and how many there are."""
    return t(lang, "saved", time=datetime.now().strftime("%H:%M:%S"), count=count)


def _rows(value) -> list[list]:
    """The table's rows, whether gradio hands over a list, a dict or a pandas DataFrame."""
    if value is None:
        return []
    if isinstance(value, dict):
        return value.get("data") or []
    if hasattr(value, "values") and hasattr(value, "columns"):
        return value.values.tolist()
    return list(value)
