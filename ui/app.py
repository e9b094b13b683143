"""Build the review app from settings, wire its events, and say how to launch it."""

from __future__ import annotations

import gradio as gr

from asr.config import Settings
from asr.store import Store
from ui import review
from ui.api import Api, build_api
from ui.config import AppConfig
from ui.editing import Editing
from ui.handlers import Handlers
from ui.i18n import DEFAULT, t
from ui.layout import CSS, PRIVATE, Labels, build_input, build_review, build_sidebar
from ui.service import ModelService

# the browser asks before anything is deleted; the answer travels in a hidden checkbox
CONFIRM_DELETE = "(ok, ...rest) => [confirm('Izbrišem odprti prepis? / Delete the open transcript?'), ...rest]"


def build_app(settings: Settings, config: AppConfig, store: Store, service: ModelService) -> gr.Blocks:
    """The Blocks of the app (nothing is loaded here; ModelService.warm_up does that)."""
    handlers, editing = Handlers(store, service, config), Editing(store, config)
    labels = Labels(DEFAULT)
    v = _View()
    with gr.Blocks(title="Prepis", delete_cache=(3600, 24 * 3600)) as demo:
        v.owner_id = gr.BrowserState("", storage_key="prepis-owner", secret=config.secret)
        v.lang_saved = gr.BrowserState(DEFAULT, storage_key="prepis-lang", secret=config.secret)
        v.owner, v.tid, v.sel = gr.State(""), gr.State(None), gr.State(None)
        build_sidebar(v, labels, handlers)
        labels(gr.Markdown(labels.text("title", "## {}"), elem_id="title"), "title", "value", "## {}")
        build_input(v, labels, service)
        build_review(v, labels, config)
        build_api(Api(service), config.concurrency)
        wire_session(demo, v, labels, handlers)
        wire_transcription(v, handlers, config)
        wire_review(v, editing, handlers)
    return demo


class _View:
    """The components of one app, by name."""


def shown(v) -> list:
    return [v.tid, v.sel, v.player, v.table, v.share, v.details, v.progress, v.mark]


def wire_session(demo: gr.Blocks, v, labels: Labels, handlers: Handlers) -> None:
    demo.load(handlers.on_load, [v.owner_id, v.lang_saved],
              [v.owner_id, v.owner, v.lang, v.mine, v.model_status, v.timer], **PRIVATE)
    v.timer.tick(handlers.on_tick, [v.lang], [v.model_status, v.timer], show_progress="hidden", **PRIVATE)

    def relabel(lang, tid, sel, owner):
        table = review.table(handlers.store.load(owner, tid) if tid else None, lang, handlers.config.low_confidence)
        share = review.share(handlers.store.load(owner, tid), lang) if tid else ""
        return (lang, *labels.updates(lang), table, share, handlers.mine(owner, lang, tid),
                handlers.service.status_text(lang), handlers.where_update(lang), gr.update(value=t(lang, "mark")),
                gr.update(value=t(lang, "no_transcript") if not tid else gr.skip()))

    v.lang.change(relabel, [v.lang, v.tid, v.sel, v.owner],
                  [v.lang_saved, *[c for c, *_ in labels.items], v.table, v.share, v.mine, v.model_status,
                   v.where, v.mark, v.progress], **PRIVATE)
    v.mine.input(handlers.on_open, [v.mine, v.owner, v.lang], shown(v), **PRIVATE)
    confirmed = gr.Checkbox(False, visible=False)
    v.delete.click(handlers.on_delete, [confirmed, v.tid, v.owner, v.lang], [*shown(v), v.mine], js=CONFIRM_DELETE,
                   **PRIVATE)


def wire_transcription(v, handlers: Handlers, config: AppConfig) -> None:
    # choosing a file forgets a recording and the other way round: Start takes the one that is left
    quiet = {"show_progress": "hidden", **PRIVATE}
    v.where.change(lambda where: gr.update(visible=where != "runpod"), v.where, v.model, **quiet)  # RunPod has its own
    v.upload.change(lambda f: gr.update(value=None) if f else gr.skip(), v.upload, v.mic, **quiet)
    v.mic.change(lambda f: gr.update(value=None) if f else gr.skip(), v.mic, v.upload, **quiet)

    v.start.click(handlers.on_transcribe, [v.upload, v.mic, v.where, v.model, v.readable, v.owner,
                                              v.lang],
                  [*shown(v), v.mine, v.start, v.cancel], show_progress_on=[v.progress],
                  concurrency_limit=config.concurrency, concurrency_id="asr", **PRIVATE)
    v.cancel.click(handlers.on_cancel, [v.tid, v.owner, v.lang], [v.progress], concurrency_limit=None, **PRIVATE)


def wire_review(v, editing: Editing, handlers: Handlers) -> None:
    focus = [v.sel, v.player, v.details, v.mark]
    quiet = {"show_progress": "hidden", **PRIVATE}
    v.table.select(editing.on_select, [v.tid, v.owner, v.lang], focus, **quiet)
    v.table.input(editing.on_edit, [v.table, v.tid, v.sel, v.owner, v.lang],
                  [v.table, v.share, v.saved, v.details, v.player], **quiet)
    v.mark.click(editing.on_mark, [v.tid, v.sel, v.owner, v.lang], [v.table, v.share, v.saved, *focus],
                 **PRIVATE).then(
        lambda owner, lang, tid: handlers.mine(owner, lang, tid), [v.owner, v.lang, v.tid], [v.mine], **PRIVATE)
    v.next_unsure.click(editing.on_next_unsure, [v.tid, v.sel, v.owner, v.lang], focus, **quiet)
    v.export.click(editing.on_export, [v.tid, v.fmt, v.owner, v.lang], [v.file], **PRIVATE)


def launch_options(config: AppConfig, store: Store) -> dict:
    """Keyword arguments of Blocks.launch for these operator settings."""
    return {
        "auth": config.auth,
        "auth_message": "Prepis",
        "max_file_size": config.max_file_size,
        "allowed_paths": [str(store.audio_dir)],
        "css": CSS,
        "theme": gr.themes.Soft(),
        "show_error": False,
    }
