"""Live dictation in the app: words appear while the reviewer speaks; Stop saves a normal transcript.

The live view (live.html/js/css, a gr.HTML module) records the microphone itself and sends what it recorded every
SEND_EVERY seconds through one server function, `dictation_piece`, which only appends it to the reviewer's
`Dictation` and answers with the words decided so far. One call is in flight at a time and audio recorded
meanwhile goes with the next one, so a slow server delays the words but loses no audio (gr.Audio's streaming
dropped pieces: docs/dictation.md). A worker thread (asr.live.LiveWorker) decodes. Record and Stop are Gradio
events of the view (start_recording, stop_recording); Stop decides the last words and saves the recording and its
transcript in the store, where the editor opens it. Dictation runs on this machine's model, also when RunPod is
chosen for files (RunPod takes whole recordings).
"""

from __future__ import annotations

import base64
import tempfile
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from asr.audio import DEFAULT_MAX_DURATION, MIN_INPUT_RATE, SAMPLE_RATE, encode_flac, sha256_of
from asr.backends import Backend, get_backend
from asr.live import LiveWorker, Resampler, live_transcript
from asr.options import TranscribeOptions
from asr.pipeline import Audio
from asr.store import Store
from asr.types import AudioInfo, Word
from ui.handlers import APP_SPEAKERS, Handlers, user_error, user_message
from ui.i18n import DEFAULT, LANGUAGES, duration_words, t
from ui.jobs import keep_audio
from ui.service import ModelService

HERE = Path(__file__).parent
SEND_EVERY = 0.5  # seconds between the browser's sends of what it recorded
MAX_PIECE = 10.0  # seconds of audio one send carries at most (the rest goes with the next)
MAX_SENT = 200  # final words sent with each update (the newest; the browser keeps the ones it has)
MIN_RATE, MAX_RATE = MIN_INPUT_RATE, 192_000  # Hz a browser may record at
PRIVATE = {"api_visibility": "private"}


class Dictation:
    """One reviewer's dictation: the audio so far (16 kHz), the worker that decodes it, and what it came to."""

    def __init__(self, service: ModelService, where: str | None, model: str | None, readable: bool):
        self.settings = service.settings_for("local", model)  # live audio never goes to RunPod
        self.on_runpod = where == "runpod"
        self.options = TranscribeOptions(text="readable" if readable else "raw", speakers=APP_SPEAKERS)
        self.id = uuid.uuid4().hex  # the page's key to its dictation (dictation_piece)
        self.name = datetime.now().strftime("narek-%Y-%m-%d-%H%M%S.flac")
        self.backend: Backend | None = None
        self.received = 0.0  # seconds of audio the browser sent
        self.late = 0.0  # seconds that came after Stop (not in the recording)
        self.finished = False
        self._resampler: Resampler | None = None
        self._lock = threading.Lock()
        self.worker = LiveWorker(self._engine).start()

    def _engine(self):
        self.backend = get_backend(self.settings)  # loads the model on the worker's thread when it is not loaded
        return self.backend.engine

    def push(self, rate: int, data) -> None:
        """Append one piece from the browser (any rate, int16 or float, mono or stereo)."""
        with self._lock:
            seconds = len(data) / rate
            if self.finished or self.received >= DEFAULT_MAX_DURATION:
                self.late += seconds
                return
            if self._resampler is None or self._resampler.rate != rate:
                self._resampler = Resampler(rate)
            self.received += seconds
            self.worker.audio.append(self._resampler(data))

    def finish(self) -> list[Word]:
        """No more audio: the filter's tail goes in, the worker decides the last words; all final words."""
        with self._lock:
            self.finished = True
            if self._resampler is not None:
                self.worker.audio.append(self._resampler(None))
        return self.worker.finish()

    def abandon(self) -> None:
        """The page was closed or a new recording began without Stop: the worker ends, nothing is saved."""
        with self._lock:
            self.finished = True
        self.worker.stop()

    def recording(self) -> tuple[Audio, bytes]:
        """The recording decoded (16 kHz) and as the FLAC file that is kept."""
        samples = self.worker.audio.samples()
        flac = encode_flac(samples)
        return Audio(samples, AudioInfo(self.name, round(samples.size / SAMPLE_RATE, 3), sha256_of(flac))), flac

    def message(self, lang: str, note: str | None = None) -> dict[str, Any]:
        """What the live view shows: the newest final words (and the index of the first), the pending ones."""
        committed, pending = self.worker.snapshot()
        first = max(0, len(committed) - MAX_SENT)
        return {"id": self.id, "lang": lang, "state": "done" if self.finished else "live", "from": first,
                "words": [[w.word, w.start, w.end] for w in committed[first:]],
                "pending": [w.word for w in pending], "seconds": round(self.received, 3),
                "note": self._note(lang) if note is None else note}

    def _note(self, lang: str) -> str:
        if self.worker.error is not None:
            return user_message(lang, self.worker.error)
        note = t(lang, "dict_loading") if self.backend is None else t(lang, "dict_live",
                                                                       secs=duration_words(self.received))
        return t(lang, "dict_local") + " " + note if self.on_runpod else note


def save(store: Store, owner: str, dictation: Dictation, words: list[Word]) -> str:
    """Store the finished dictation as a transcript with its audio (FLAC); returns its id."""
    audio, flac = dictation.recording()
    with tempfile.TemporaryDirectory(prefix="prepis-") as folder:
        path = Path(folder) / dictation.name
        path.write_bytes(flac)
        kept = keep_audio(store, str(path), audio)
    transcript = live_transcript(words, audio, dictation.backend.info, dictation.options, sum(dictation.worker.costs))
    return store.create(owner, transcript, kept, status="done")


_running: dict[str, Dictation] = {}  # dictation id -> its Dictation while it records (server state; the id is a
_running_lock = threading.Lock()   # random secret of the page that started it)


def dictation_piece(payload: dict) -> dict[str, Any]:
    """The live view's one server function: append {id, rate, pcm: base64 int16 little-endian} to the dictation
    and answer with what the view shows."""
    payload = payload if isinstance(payload, dict) else {}
    lang = payload.get("lang") if payload.get("lang") in LANGUAGES else DEFAULT
    with _running_lock:
        dictation = _running.get(str(payload.get("id", "")))
    if dictation is None:
        return {"state": "gone", "lang": lang}
    try:
        rate = int(payload.get("rate", 0))
        pcm = np.frombuffer(base64.b64decode(str(payload.get("pcm", ""))), "<i2")
    except ValueError:
        return dictation.message(lang)
    if MIN_RATE <= rate <= MAX_RATE and pcm.size:
        dictation.push(rate, pcm)
    return dictation.message(lang)


def _forget(dictation: Dictation | None) -> None:
    if dictation is not None:
        with _running_lock:
            _running.pop(dictation.id, None)


def _abandon(dictation: Dictation | None) -> None:
    """The page went away (its state is deleted) or began another recording without Stop."""
    _forget(dictation)
    if dictation is not None and not dictation.finished:
        dictation.abandon()


class DictationHandlers:
    """The dictation's events; the transcript views come from the app's Handlers."""

    def __init__(self, handlers: Handlers):
        self.h = handlers

    def on_start(self, dictation: Dictation | None, where: str, model: str, readable: bool, lang: str):
        """Record was pressed: a new dictation; the view learns its id from the message and sends audio to it."""
        _abandon(dictation)
        dictation = Dictation(self.h.service, where, model, readable)
        with _running_lock:
            _running[dictation.id] = dictation
        return dictation, dictation.message(lang)

    def on_stop(self, dictation: Dictation | None, owner: str, lang: str):
        """Stop was pressed and the view has sent all it recorded: decide the last words, save the recording and
        its transcript; the editor opens it."""
        if dictation is None or dictation.finished:
            return (gr.skip(),) * 6
        _forget(dictation)
        try:
            words = dictation.finish()
            if not dictation.worker.audio.seconds:
                return dictation, dictation.message(lang, t(lang, "no_audio")), *(gr.skip(),) * 4
            tid = save(self.h.store, owner, dictation, words)
        except Exception as e:
            raise user_error(lang, e) from e
        note = t(lang, "dict_saved", words=len(words), secs=duration_words(dictation.worker.audio.seconds))
        return (dictation, dictation.message(lang, note), *self.h.show(owner, tid, lang, note),
                self.h.mine(owner, lang, tid))


def live_texts() -> dict[str, dict[str, str]]:
    """The view's words in every language: {lang: {key: text}}."""
    return {lang: {k: t(lang, k) for k in ("dict_record", "dict_stop", "dict_hint", "dict_no_mic")}
            for lang in LANGUAGES}


def build_dictation(v, labels) -> None:
    """The dictation view: its Record/Stop buttons and the words as they are decided (live.html/js/css)."""
    with labels(gr.Accordion(labels.text("dictation"), open=False, elem_id="dictation"), "dictation"):
        v.dictation = gr.State(None, delete_callback=_abandon)
        v.live = gr.HTML({"state": "idle", "lang": DEFAULT},
                         html_template=(HERE / "live.html").read_text(encoding="utf-8"),
                         css_template=(HERE / "live.css").read_text(encoding="utf-8"),
                         js_on_load=(HERE / "live.js").read_text(encoding="utf-8"),
                         server_functions=[dictation_piece], texts=live_texts(), send_every=SEND_EVERY,
                         max_piece=MAX_PIECE, elem_id="live", apply_default_css=False)


def wire_dictation(v, handlers: Handlers) -> None:
    d = DictationHandlers(handlers)
    quiet = {"show_progress": "hidden", **PRIVATE}
    v.live.start_recording(d.on_start, [v.dictation, v.where, v.model, v.readable, v.lang], [v.dictation, v.live],
                           concurrency_limit=None, **quiet)
    v.live.stop_recording(d.on_stop, [v.dictation, v.owner, v.lang],
                          [v.dictation, v.live, v.tid, v.editor, v.progress, v.mine], **quiet)
    v.lang.change(lambda lang: {"lang": lang}, v.lang, v.live, **quiet)
