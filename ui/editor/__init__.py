"""The reviewer's editor: a gr.HTML component whose template, CSS and script are the files beside this one
(editor.html, editor.css, editor.js), served by the app itself. Python sends it messages as its value
(ui.editor.service: open, append, status, lang) and answers its actions through one server function."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ui.editor.service import EditorService
from ui.i18n import DEFAULT, editor_texts

HERE = Path(__file__).parent


def asset(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def build_editor(service: EditorService, threshold: float) -> gr.HTML:
    """The editor component; its value is the last message Python sent it."""

    def editor_call(payload: dict) -> dict:
        """Do one action of the editor (see EditorService.call)."""
        return service.call(payload if isinstance(payload, dict) else {})

    return gr.HTML(service.relabel(DEFAULT), html_template=asset("editor.html"), css_template=asset("editor.css"),
                   js_on_load=asset("editor.js"), server_functions=[editor_call], texts=editor_texts(),
                   threshold=threshold, elem_id="editor", apply_default_css=False, padding=False)
