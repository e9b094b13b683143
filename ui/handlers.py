"""Plain event handlers of the review app. Per-user data comes in through gr.State / gr.BrowserState and
the store; nothing about a user is kept in this module or on the Handlers object."""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import gradio as gr

from asr.errors import NotFound, PrepisError, log_unexpected
from asr.exports import ExportOptions, export, extension, format_date, needs_audio
from asr.options import TranscribeOptions
from asr.pipeline import load_audio
from asr.store import Store
from asr.types import Transcript
from ui.config import AppConfig
from ui.editor.service import EditorService
from ui.guard import sign_browser_id, verify_browser_id
from ui.i18n import DEFAULT, LANGUAGES, t
from ui.jobs import Job, Progress, display_name, request_cancel
from ui.service import ModelService

log = logging.getLogger(__name__)

# speakers are found at the end of a run and would redraw the document under the reviewer's caret: the app leaves
# them off until the editor can take them in place (the CLI and the API find them)
APP_SPEAKERS = "off"
REFRESH_SECONDS = 1.0  # a running job sends its new segments to the editor at most this often


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


def export_file(transcript: Transcript, fmt: str, options: ExportOptions | None = None, samples=None) -> str:
    """Write the export to a fresh temporary folder; returns its path (named after the audio)."""
    data = export(transcript, fmt, options, samples)
    stem = Path(transcript.info.audio.filename or "prepis").stem or "prepis"
    path = Path(tempfile.mkdtemp(prefix="prepis-")) / f"{stem}.{extension(fmt)}"
    path.write_bytes(data)
    return path


class Handlers:
    """The app's handlers, bound to the shared store, models and operator settings."""

    def __init__(self, store: Store, service: ModelService, config: AppConfig, editor: EditorService):
        self.store, self.service, self.config, self.editor = store, service, config, editor

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
        """Everything the review view shows of one saved transcript: (tid, editor message, progress note)."""
        if not tid:
            return None, self.editor.opened(owner, None, lang), message or t(lang, "no_transcript")
        info = self.store.info(owner, tid)
        note = message if message is not None else (t(lang, "busy") if info["status"] == "running" else info["error"])
        return tid, self.editor.opened(owner, tid, lang), note

    # ---- page load and language -----------------------------------------------------------------
    def on_load(self, stored_id: str, saved_lang: str, request: gr.Request):
        """Who this is (the logged-in user, or this browser's random id, signed by the server) and the language
        they chose. An id this server did not sign is replaced by a new one."""
        user = getattr(request, "username", None)
        browser_id = verify_browser_id(self.config.secret, stored_id)
        if browser_id is None:
            stored_id = sign_browser_id(self.config.secret)
            browser_id = verify_browser_id(self.config.secret, stored_id)
        owner = f"user:{user}" if user else f"browser:{browser_id}"
        lang = saved_lang if saved_lang in LANGUAGES else DEFAULT
        ready = self.service.status.state in ("ready", "error")
        return (stored_id, owner, lang, self.mine(owner, lang), self.service.status_text(lang),
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
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if tid:
            try:
                self.store.delete(owner, tid)
            except Exception as e:
                raise user_error(lang, e) from e
        return (*self.show(owner, None, lang), self.mine(owner, lang))

    def on_export(self, tid: str | None, fmt: str, owner: str, lang: str):
        """The file of the open transcript in `fmt`, labelled in the reviewer's language and dated today."""
        if not tid:
            raise gr.Error(t(lang, "no_transcript"))
        try:
            transcript = self.store.load(owner, tid)
            options = ExportOptions(lang=lang, date=format_date(date.today(), lang))
            samples = None
            if needs_audio(fmt):
                audio_path = self.store.info(owner, tid)["audio_path"]
                samples = load_audio(audio_path).samples if audio_path else None
            return gr.update(value=str(export_file(transcript, fmt, options, samples)), visible=True)
        except Exception as e:
            raise user_error(lang, e) from e

    # ---- transcription --------------------------------------------------------------------------
    def on_transcribe(self, upload: str | None, recording: str | None, where: str, model: str, readable: bool,
                      owner: str, lang: str, progress=gr.Progress()):  # noqa: B008 (gradio injects it)
        """A generator: the editor gets the new segments of each batch, while the progress bar says how far it is.
        `readable`: segments get readable text (asr.text); otherwise the raw words."""
        source = upload or recording
        if not source:
            raise gr.Error(t(lang, "no_audio"))
        tracker = Progress(lang)
        job = Job(self.store, self.service, owner, source, display_name(source, not upload),
                  TranscribeOptions(text="readable" if readable else "raw", speakers=APP_SPEAKERS), tracker)
        progress(0.0, desc=t(lang, "decoding"))
        running, idle = (gr.update(interactive=False), gr.update(interactive=True)), (gr.update(interactive=True),
                                                                                        gr.update(interactive=False))
        try:
            tid = job.start()
            yield (*self.show(owner, tid, lang, t(lang, "waiting_model")), self.mine(owner, lang, tid), *running)
            for pending in self._batches(job, where, model, tracker, lang, progress):
                message = (self.editor.opened(owner, tid, lang) if pending is None  # speakers found: redrawn
                           else self.editor.appended(tid, pending[0].id, pending, lang))
                yield gr.skip(), message, gr.skip(), gr.skip(), *running
        except Exception as e:
            message = user_message(lang, e)
            if job.tid:  # show the failure in the view and the list before the message pops up
                job.fail(message)
                yield (job.tid, self.editor.finished(job.tid, lang), message, self.mine(owner, lang, job.tid), *idle)
            raise gr.Error(message) from e
        segments = len(self.store.load(owner, tid).segments)
        done = t(lang, "cancelled") if job.cancelled else t(
            lang, "done", segments=segments, secs=round(time.perf_counter() - tracker.started))
        # the document stays as it is: the reviewer's caret, selection and player do not move
        yield (tid, self.editor.finished(tid, lang), done, self.mine(owner, lang, tid), *idle)

    def _batches(self, job: Job, where: str, model: str, tracker: Progress, lang: str, progress):
        """The final segments of the run, gathered into one list at most every REFRESH_SECONDS; None when the
        segments given so far were replaced (speakers assigned at the end of the run)."""

        def downloading(done: int, total: int | None) -> None:
            progress(done / total if total else None, desc=t(lang, "model_download", name=model or "",
                                                              done=done // 2**20, total=(total or 0) // 2**20
                                                              ).replace("**", ""))

        shown_at, pending = 0.0, []
        for update in job.run(where, model, downloading):
            progress(tracker.fraction, desc=tracker.text())
            if update.replaced:  # the segments were relabelled with speakers and split: the editor reloads them
                yield None
                pending = []
                continue
            pending += update.new
            if pending and time.perf_counter() - shown_at >= REFRESH_SECONDS:  # many small batches
                shown_at = time.perf_counter()
                yield pending
                pending = []
        if pending:
            yield pending

    def on_cancel(self, tid: str | None, owner: str, lang: str):
        """Ask the running job to stop; it stops after the batch in hand and shows what it has."""
        if tid and self.store.info(owner, tid)["status"] == "running" and request_cancel(tid):
            return t(lang, "cancelling")
        return gr.skip()
