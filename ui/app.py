"""Build the review app from settings, wire its events, and say how to launch it."""

from __future__ import annotations

import gradio as gr
from starlette.middleware import Middleware

from asr.config import Settings
from asr.store import Store
from ui.api import Api, build_api
from ui.config import AppConfig
from ui.dictation import build_dictation, wire_dictation
from ui.editor.service import EditorService
from ui.guard import MAX_JSON_BODY, BodyLimit, FileOwners, LoginLimiter, OwnFiles
from ui.handlers import Handlers
from ui.i18n import DEFAULT, t
from ui.layout import CSS, PRIVATE, Labels, build_input, build_review, build_sidebar
from ui.realign import Realigner
from ui.service import ModelService

# BrowserState sends its `secret` to every browser (/config): it is no secret. The stored id is signed by the server
# with PREPIS_SECRET instead (ui.guard); this fixed key only keeps the stored values readable after a restart.
BROWSER_STATE_KEY = "prepis-browser-state"
# the browser asks before anything is deleted; the answer travels in a hidden checkbox
CONFIRM_DELETE = "(ok, ...rest) => [confirm('Izbrišem odprti prepis? / Delete the open transcript?'), ...rest]"


def build_app(settings: Settings, config: AppConfig, store: Store, service: ModelService) -> gr.Blocks:
    """The Blocks of the app (nothing is loaded here; ModelService.warm_up does that)."""
    editor = EditorService(store, config.secret, Realigner(store, service))
    handlers = Handlers(store, service, config, editor)
    labels = Labels(DEFAULT)
    v = _View()
    with gr.Blocks(title="Prepis", delete_cache=(3600, 24 * 3600)) as demo:
        v.owner_id = gr.BrowserState("", storage_key="prepis-owner", secret=BROWSER_STATE_KEY)
        v.lang_saved = gr.BrowserState(DEFAULT, storage_key="prepis-lang", secret=BROWSER_STATE_KEY)
        v.owner, v.tid = gr.State(""), gr.State(None)
        build_sidebar(v, labels, handlers)
        labels(gr.Markdown(labels.text("title", "## {}"), elem_id="title"), "title", "value", "## {}")
        build_input(v, labels, service)
        build_dictation(v, labels)
        build_review(v, labels, editor, config)
        build_api(Api(service), config.concurrency)
        wire_session(demo, v, labels, handlers)
        wire_transcription(v, handlers, config)
        wire_dictation(v, handlers)
        wire_export(v, handlers)
    return demo


class _View:
    """The components of one app, by name."""


def shown(v) -> list:
    return [v.tid, v.editor, v.progress]


def wire_session(demo: gr.Blocks, v, labels: Labels, handlers: Handlers) -> None:
    demo.load(handlers.on_load, [v.owner_id, v.lang_saved],
              [v.owner_id, v.owner, v.lang, v.mine, v.model_status, v.timer], **PRIVATE)
    v.timer.tick(handlers.on_tick, [v.lang], [v.model_status, v.timer], show_progress="hidden", **PRIVATE)

    def relabel(lang, tid, owner):
        return (lang, *labels.updates(lang), handlers.mine(owner, lang, tid),
                handlers.service.status_text(lang), handlers.where_update(lang),
                t(lang, "no_transcript") if not tid else gr.skip())

    v.lang.change(relabel, [v.lang, v.tid, v.owner],
                  [v.lang_saved, *[c for c, *_ in labels.items], v.mine, v.model_status, v.where, v.progress],
                  show_progress="hidden", **PRIVATE).then(handlers.editor.relabel, [v.lang], [v.editor],
                                                          show_progress="hidden", **PRIVATE)
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


def wire_export(v, handlers: Handlers) -> None:
    v.export.click(handlers.on_export, [v.tid, v.fmt, v.owner, v.lang], [v.file], **PRIVATE)


def launch_options(config: AppConfig, store: Store) -> dict:
    """Keyword arguments of Blocks.launch for these operator settings."""
    auth = LoginLimiter(dict(config.users), config.login_pause) if config.users else None
    return {
        "auth": auth,
        "app_kwargs": {"middleware": [Middleware(BodyLimit, max_bytes=MAX_JSON_BODY),
                                      Middleware(OwnFiles, owners=FileOwners())]},
        "auth_message": "Prepis",
        "max_file_size": config.max_file_size,
        "allowed_paths": [str(store.audio_dir)],
        "css": CSS,
        "theme": gr.themes.Soft(),
        "show_error": False,
    }
