"""The app's export button handler on a saved transcript: labels in the reviewer's language, today's date,
and the training manifest cut from the audio the store kept."""

from __future__ import annotations

import json
import zipfile
from datetime import date

import numpy as np
import soundfile as sf
from docx import Document

from asr.audio import SAMPLE_RATE
from asr.exports import format_date
from asr.store import Store
from asr.types import AudioInfo, Segment, Transcript, TranscriptionInfo, Word
from ui.config import AppConfig
from ui.handlers import Handlers

OWNER = "ana"


def saved(tmp_path) -> tuple[Handlers, str]:
    audio = tmp_path / "prepis-audio" / "posnetek.flac"
    audio.parent.mkdir()
    sf.write(audio, np.full(3 * SAMPLE_RATE, 0.25, np.float32), SAMPLE_RATE, subtype="PCM_16")
    segments = [Segment.from_words(0, [Word("dober", 0.5, 0.9, 0.9), Word("dan", 1.0, 1.4, 0.9)]),
                Segment.from_words(1, [Word("hvala", 2.0, 2.5, 0.9)])]
    transcript = Transcript(segments, TranscriptionInfo(AudioInfo("posnetek.flac", 3.0)))
    store = Store(tmp_path / "prepis.sqlite3")
    tid = store.create(OWNER, transcript, str(audio), status="done")
    store.edit(OWNER, tid, 0, "text", "Dober dan!")
    store.edit(OWNER, tid, 0, "reviewed", True)
    return Handlers(store, None, AppConfig(), None), tid  # exporting needs only the store


def test_docx_from_the_app_is_in_the_reviewers_language_and_dated_today(tmp_path):
    editing, tid = saved(tmp_path)
    path = editing.on_export(tid, "docx", OWNER, "en")["value"]
    paragraphs = [p.text for p in Document(path).paragraphs]
    assert paragraphs[:2] == ["Transcript: posnetek.flac", f"Date: {format_date(date.today(), 'en')}"]
    assert path.endswith("posnetek.docx")


def test_manifest_from_the_app_cuts_the_kept_audio(tmp_path):
    editing, tid = saved(tmp_path)
    path = editing.on_export(tid, "manifest", OWNER, "sl")["value"]
    with zipfile.ZipFile(path) as z:
        assert json.loads(z.read("manifest.json")) == {"audio_filepath": "audio/segment-000000.wav", "duration": 0.9,
                                                       "text": "dober dan", "text_display": "Dober dan!"}
        with z.open("audio/segment-000000.wav") as f:
            clip, rate = sf.read(f, dtype="float32")
    assert rate == SAMPLE_RATE and clip.size == round(0.9 * SAMPLE_RATE)
    np.testing.assert_allclose(clip, 0.25, atol=1 / 32767)
