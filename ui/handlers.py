"""Plain event handlers of the review app. Per-user data comes in through gr.State / gr.BrowserState and
the store; nothing about a user is kept in this module or on the Handlers object."""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import gradio as gr

from asr.errors import NotFound, PrepisError, log_unexpected
from asr.exports import export
from asr.options import TranscribeOptions
from asr.store import Store
from asr.types import Transcript
from ui import review
from ui.config import AppConfig
from ui.i18n import DEFAULT, LANGUAGES, t
from ui.jobs import Job, Progress, display_name, request_cancel
from ui.service import ModelService

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0  # a running job redraws the table at most this often


def user_message(lang: str, e: BaseException) -> str:
    """What the person is told: a PrepisError's own sentence; anything else is logged with its traceback and
    named by a reference the operator finds in the log."""
    if isinstance(e, NotFound):
        return t(lang, "not_found")
    if isinstance(e, PrepisError):
        return str(e)
    return t(lang, "unexpected", ref=log_unexpected(log, e))


def user_error(lang: str, e: BaseException) -> gr.Error:
    return gr.Error(user_message(lang, e))


def export_file(transcript: Transcript, fmt: str) -> str:
    """Write the export to a fresh temporary folder; returns its path (named after the audio)."""
    data = export(transcript, fmt)
    stem = Path(transcript.info.audio.filename or "prepis").stem or "prepis"
    path = Path(tempfile.mkdtemp(prefix="prepis-")) / f"{stem}.{fmt.lower()}"
    path.write_bytes(data)
    return path


class Handlers:
    """The app's handlers, bound to the shared store, models and operator settings."""

    def __init__(self, store: Store, service: ModelService, config: AppConfig):
        self.store, self.service, self.config = store, service, config

    # ---- shared views -------------------------------------------------------------------------
    def mine(self, owner: str, lang: str, selected: str | None = None):
        """The "my transcripts" list: file name, time, reviewed share, state."""
        choices = []
        for s in self.store.list(owner) if owner else []:
            when = datetime.fromtimestamp(s.created).strftime("%Y-%m-%d %H:%M")
            status = "" if s.status == "done" else f" · {t(lang, 'status_' + s.status)}"
            choices.append((f"{s.filename or '—'} · {when} · ✓ {s.reviewed}/{s.segments}{status}", s.id))
        ids = [c[1] for c in choices]
        return gr.update(choices=choices, value=selected if selected in ids else None,
                         info=t(lang, "mine_hint" if choices else "mine_empty"))

    def show(self, owner: str, tid: str | None, lang: str, message: str | None = None):
        """Everything the review view shows of one saved transcript:
        (tid, sel, player, table, share, details, progress, mark button)."""
        if not tid:
            empty = review.table(None, lang, self.config.low_confidence)
            return (None, None, gr.update(value=None, subtitles=None), empty, "", gr.update(value=None, visible=False),
                    message or t(lang, "no_transcript"), gr.update(value=t(lang, "mark")))
        info = self.store.info(owner, tid)
        running = info["status"] == "running"
        note = message if message is not None else (t(lang, "busy") if running else info["error"])
        return self.render(tid, self.store.load(owner, tid), running, info["audio_path"], lang, note)

    def render(self, tid: str, transcript: Transcript, running: bool, audio_path: str, lang: str, note: str):
        """The review view of `transcript` (saved, or the one a running job holds in memory)."""
        player = gr.skip()  # a running job leaves the player alone: reloading it would stop the reviewer
        if not running:
            player = gr.update(value=audio_path or None, subtitles=review.subtitles(transcript), playback_position=0)
        table = gr.update(value=review.table(transcript, lang, self.config.low_confidence),
                          interactive=not running and bool(transcript.segments))
        return (tid, None, player, table, review.share(transcript, lang), gr.update(value=None, visible=False), note,
                gr.update(value=t(lang, "mark")))

    # ---- page load and language -----------------------------------------------------------------
    def on_load(self, browser_id: str, saved_lang: str, request: gr.Request):
        """Who this is (the logged-in user, or this browser's random id) and the language they chose."""
        user = getattr(request, "username", None)
        browser_id = browser_id or uuid.uuid4().hex
        owner = f"user:{user}" if user else f"browser:{browser_id}"
        lang = saved_lang if saved_lang in LANGUAGES else DEFAULT
        ready = self.service.status.state in ("ready", "error")
        return (browser_id, owner, lang, self.mine(owner, lang), self.service.status_text(lang),
                gr.Timer(active=not ready))

    def on_tick(self, lang: str):
        ready = self.service.status.state in ("ready", "error")
        return self.service.status_text(lang), gr.Timer(active=not ready)

    def where_update(self, lang: str, value: str | None = None):
        choices = [(t(lang, f"where_{p}"), p) for p in self.service.places()]
        return gr.update(choices=choices, visible=len(choices) > 1, **({"value": value} if value else {}))

    # ---- opening, deleting ----------------------------------------------------------------------
    def on_open(self, choice: str | None, owner: str, lang: str):
        try:
            return self.show(owner, choice, lang)
        except Exception as e:
            raise user_error(lang, e) from e

    def on_delete(self, confirmed: bool, tid: str | None, owner: str, lang: str):
        if not confirmed:
            return (*[gr.skip()] * 8, gr.skip())
        if tid:
            try:
                self.store.delete(owner, tid)
            except Exception as e:
                raise user_error(lang, e) from e
        return (*self.show(owner, None, lang), self.mine(owner, lang))

    # ---- transcription --------------------------------------------------------------------------
    def on_transcribe(self, upload: str | None, recording: str | None, where: str, model: str, readable: bool,
                      owner: str, lang: str, progress=gr.Progress()):  # noqa: B008 (gradio injects it)
        """A generator: the review view after each batch, while the progress bar says how far it is.
        `readable`: segments get readable text (asr.text); otherwise the raw words."""
        source = upload or recording
        if not source:
            raise gr.Error(t(lang, "no_audio"))
        tracker = Progress(lang)
        job = Job(self.store, self.service, owner, source, display_name(source, not upload),
                  TranscribeOptions(text="readable" if readable else "raw"), tracker)
        progress(0.0, desc=t(lang, "decoding"))
        running, idle = (gr.update(interactive=False), gr.update(interactive=True)), (gr.update(interactive=True),
                                                                                        gr.update(interactive=False))
        try:
            tid = job.start()
            audio_path = self.store.info(owner, tid)["audio_path"]
            first = list(self.show(owner, tid, lang, t(lang, "waiting_model")))
            first[2] = gr.update(value=audio_path, subtitles=None, playback_position=0)
            yield (*first, self.mine(owner, lang, tid), *running)

            def downloading(done: int, total: int | None) -> None:
                progress(done / total if total else None, desc=t(lang, "model_download", name=model or "",
                                                                  done=done // 2**20, total=(total or 0) // 2**20
                                                                  ).replace("**", ""))

            shown_at, transcript = 0.0, None
            for update in job.run(where, model, downloading):
                transcript = update.transcript
                progress(tracker.fraction, desc=tracker.text())
                if update.new and time.perf_counter() - shown_at >= REFRESH_SECONDS:  # many small batches
                    shown_at = time.perf_counter()
                    yield (*self.render(tid, transcript, True, audio_path, lang, ""), gr.skip(), *running)
        except Exception as e:
            message = user_message(lang, e)
            if job.tid:  # show the failure in the view and the list before the message pops up
                job.fail(message)
                yield (*self.show(owner, job.tid, lang, message), self.mine(owner, lang, job.tid), *idle)
            raise gr.Error(message) from e
        done = t(lang, "cancelled") if job.cancelled else t(
            lang, "done", segments=len(transcript.segments) if transcript else 0,
            secs=round(time.perf_counter() - tracker.started))
        yield (*self.show(owner, tid, lang, done), self.mine(owner, lang, tid), *idle)

    def on_cancel(self, tid: str | None, owner: str, lang: str):
        """Ask the running job to stop; it stops after the batch in hand and shows what it has."""
        if tid and self.store.info(owner, tid)["status"] == "running" and request_cancel(tid):
            return t(lang, "cancelling")
        return gr.skip()
