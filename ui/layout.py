"""The review app's Blocks: small build_* functions for each part, and the wiring of their events."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from asr import models
from asr.exports import FORMATS
from ui.config import AppConfig
from ui.editor import build_editor
from ui.editor.service import EditorService
from ui.handlers import Handlers
from ui.i18n import DEFAULT, LANGUAGES, t
from ui.service import ModelService

FORMAT_NAMES = {"textgrid": "TextGrid", "eaf": "ELAN", "manifest": "NeMo ZIP", "report": "WER"}
PRIVATE = {"api_visibility": "private"}  # UI events are not API endpoints
CSS = """
#progress { min-height: 60px; }
"""


class Labels:
    """Components whose words follow the chosen language: (component, property, text key, template)."""

    def __init__(self, lang: str = DEFAULT):
        self.lang = lang
        self.items: list[tuple[gr.components.Component, str, str, str]] = []

    def __call__(self, component, key: str, prop: str = "label", template: str = "{}"):
        self.items.append((component, prop, key, template))
        return component

    def text(self, key: str, template: str = "{}") -> str:
        return template.format(t(self.lang, key))

    def updates(self, lang: str) -> list:
        return [gr.update(**{prop: template.format(t(lang, key))}) for _, prop, key, template in self.items]


def model_label(name: str) -> str:
    spec = models.CATALOGUE.get(name)
    return spec.title if spec else Path(name).name


def build_sidebar(v, L: Labels, handlers: Handlers) -> None:
    with gr.Sidebar(open=True, width=330):
        v.lang = gr.Radio([(name, code) for code, name in LANGUAGES.items()], value=DEFAULT,
                          label="Jezik / Language", elem_id="lang")
        v.model_status = gr.Markdown(elem_id="model-status")
        v.timer = gr.Timer(1.0, active=True)
        v.mine = L(gr.Radio([], label=L.text("mine"), elem_id="mine"), "mine")
        v.delete = L(gr.Button(L.text("delete"), size="sm", variant="secondary", elem_id="delete"), "delete", "value")
        build_download(v, L)


def build_input(v, L: Labels, service: ModelService) -> None:
    with gr.Row(equal_height=False):
        v.upload = L(gr.File(label=L.text("upload"), file_types=["audio", "video"], type="filepath",
                             elem_id="upload", height=150, scale=2), "upload")
        v.mic = L(gr.Audio(sources=["microphone"], type="filepath", label=L.text("record"), elem_id="mic", scale=2),
                  "record")
        with gr.Column(scale=2, min_width=260):
            with L(gr.Accordion(L.text("settings"), open=False), "settings"):
                places = [(t(DEFAULT, f"where_{p}"), p) for p in service.places()]
                v.where = L(gr.Radio(places, value=service.settings.provider if len(places) > 1 else "local",
                                     label=L.text("where"), visible=len(places) > 1, elem_id="where"), "where")
                v.model = L(gr.Dropdown([(model_label(m), m) for m in service.model_choices()],
                                        value=service.settings.model, label=L.text("model"), elem_id="model"), "model")
                v.readable = L(gr.Checkbox(value=True, label=L.text("readable"), elem_id="readable"), "readable")
            with gr.Row():
                v.start = L(gr.Button(L.text("start"), variant="primary", elem_id="start"), "start", "value")
                v.cancel = L(gr.Button(L.text("cancel"), variant="stop", interactive=False, elem_id="cancel"),
                             "cancel", "value")
            v.progress = gr.Markdown(t(DEFAULT, "no_transcript"), elem_id="progress")


def build_review(v, L: Labels, editor: EditorService, config: AppConfig) -> None:
    v.editor = build_editor(editor, config.low_confidence)


def build_download(v, L: Labels) -> None:
    with L(gr.Accordion(L.text("download"), open=True), "download"):
        v.fmt = L(gr.Radio([(FORMAT_NAMES.get(f, f.upper()), f) for f in FORMATS], value="srt", label=L.text("format"),
                           elem_id="format"),
                  "format")
        v.export = L(gr.Button(L.text("make_file"), size="sm", elem_id="export"), "make_file", "value")
        v.file = L(gr.File(label=L.text("file"), interactive=False, visible=False, elem_id="export-file"), "file")
