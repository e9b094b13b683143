"""A transcription job of the web app: decode once, keep the audio for playback, run the model, save as it goes.

The job is a generator of pipeline Updates (the UI draws the new segments of each); every update's final
segments are appended to the store before they are shown. It records its end in the store: done, failed,
or cancelled (the reviewer's Cancel sets the job's event; closing the generator early also ends it).
No gradio here.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asr.audio import encode_flac
from asr.options import TranscribeOptions
from asr.pipeline import Audio, Update, load_audio
from asr.store import Store
from asr.types import Transcript, TranscriptionInfo
from ui.i18n import duration_words, t
from ui.service import ModelService

PLAYABLE = {".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".webm"}  # kept as they are

_cancels: dict[str, threading.Event] = {}  # transcript id -> the Cancel of its running job (server state)
_cancels_lock = threading.Lock()


def request_cancel(tid: str) -> bool:
    """Ask the job running transcript `tid` in this process to stop after the batch in hand."""
    with _cancels_lock:
        event = _cancels.get(tid)
    if event is None:
        return False
    event.set()
    return True


def keep_audio(store: Store, source: str, audio: Audio) -> str:
    """A copy of the audio that browsers play, in the store's audio folder (FLAC, from the decoded samples, for
    video and rarer formats)."""
    store.audio_dir.mkdir(parents=True, exist_ok=True)
    suffix = Path(source).suffix.lower()
    name = uuid.uuid4().hex
    if suffix in PLAYABLE:
        target = store.audio_dir / f"{name}{suffix}"
        shutil.copyfile(source, target)
    else:
        target = store.audio_dir / f"{name}.flac"
        target.write_bytes(encode_flac(audio.samples))
    return str(target)


def display_name(source: str, recorded: bool) -> str:
    if recorded:
        return datetime.now().strftime("mikrofon-%Y-%m-%d-%H%M%S") + Path(source).suffix
    return Path(source).name


@dataclass
class Progress:
    """What the reviewer sees of a running job: how much is done and how long the rest will take."""

    lang: str
    started: float = field(default_factory=time.perf_counter)
    fraction: float = 0.0
    chunks: int = 0
    total: float = 0.0  # seconds of audio
    first: tuple[float, float] | None = None  # (time, fraction) at the first finished batch

    def report(self, fraction: float, message: str) -> None:
        """The pipeline's progress callback: called once per finished batch."""
        if fraction > 0:
            self.chunks += 1
        self._advance(fraction)

    def from_transcript(self, transcript: Transcript) -> None:
        """When the pipeline's callback cannot reach us (ZeroGPU), progress is read from the words so far."""
        self.total = transcript.info.audio.duration
        if self.chunks == 0 and self.total and transcript.segments:
            self._advance(transcript.segments[-1].end / self.total)

    def _advance(self, fraction: float) -> None:
        self.fraction = max(self.fraction, min(1.0, fraction))
        if self.first is None and self.fraction > 0:
            self.first = (time.perf_counter(), self.fraction)

    def seconds_left(self) -> float | None:
        """From the speed since the first finished batch (model loading and decoding do not count)."""
        if self.first is None or self.fraction <= self.first[1]:
            return None
        since, at = self.first
        return (time.perf_counter() - since) / (self.fraction - at) * (1 - self.fraction)

    def text(self) -> str:
        if self.fraction <= 0:
            return t(self.lang, "decoding")
        left = self.seconds_left()
        return t(self.lang, "running", done=duration_words(self.fraction * self.total),
                 total=duration_words(self.total), pct=round(100 * self.fraction), chunks=self.chunks) + (
            "" if left is None else t(self.lang, "left", left=duration_words(left)))


@dataclass
class Job:
    store: Store
    service: ModelService
    owner: str
    source: str
    filename: str
    options: TranscribeOptions
    progress: Progress
    tid: str = ""
    audio: Audio | None = None
    finished: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def start(self) -> str:
        """Decode the audio (once), save the job (so it is listed even if the server stops) and keep its audio
        for playback; returns its id. A file that cannot be decoded raises AudioError before anything is saved."""
        self.audio = load_audio(self.source, self.options.limits, self.filename)
        self.tid = self.store.create(self.owner, Transcript([], TranscriptionInfo(audio=self.audio.info)),
                                     status="running")
        self.store.set_audio(self.owner, self.tid, keep_audio(self.store, self.source, self.audio))
        return self.tid

    def run(self, where: str | None, model: str | None, downloading=None) -> Iterator[Update]:
        """Each step of the transcription, its new segments saved before it is shown. The job stops after the
        batch during which Cancel was pressed (`request_cancel`), or when the iterator is closed."""
        with _cancels_lock:
            _cancels[self.tid] = self.cancel
        stream = self.service.stream(where, model, self.audio, self.options, self.progress.report, downloading,
                                     self.cancel)
        try:
            for update in stream:
                self.progress.from_transcript(update.transcript)
                if update.replaced:  # speakers found: the segments were relabelled and split
                    self.store.replace_segments(self.owner, self.tid, update.transcript)
                else:
                    self.store.append(self.owner, self.tid, update.new, update.transcript)
                yield update
            if not self.cancelled:
                self.store.set_status(self.owner, self.tid, "done")
                self.finished = True
        except Exception:
            self.finished = True  # the caller records the failure with the sentence it shows (`fail`)
            raise
        finally:
            with _cancels_lock:
                _cancels.pop(self.tid, None)
            stream.close()  # stops the model, or cancels the remote jobs
            if not self.finished:
                self.cancel.set()
                self.store.set_status(self.owner, self.tid, "cancelled")

    def fail(self, message: str) -> None:
        """Record the failure with the sentence the reviewer was shown (never a raw exception text)."""
        self.finished = True
        if self.tid:
            self.store.set_status(self.owner, self.tid, "failed", message)
