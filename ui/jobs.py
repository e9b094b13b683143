"""A transcription job of the web app: keep the audio for playback, run the model, save every batch.

The job is a generator of Transcripts (the UI shows each one); it records its progress and its end
(done, failed, or cancelled when the generator is closed early) in the store. No gradio here.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from asr.audio import decode_audio, encode_flac
from asr.options import TranscribeOptions
from asr.store import Store
from asr.types import Transcript
from ui.i18n import duration_words, t
from ui.service import ModelService

PLAYABLE = {".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".webm"}  # kept as they are


def keep_audio(store: Store, source: str, options: TranscribeOptions) -> str:
    """A copy of the audio that browsers play, in the store's audio folder (FLAC for video and rarer formats)."""
    store.audio_dir.mkdir(parents=True, exist_ok=True)
    suffix = Path(source).suffix.lower()
    name = uuid.uuid4().hex
    if suffix in PLAYABLE:
        target = store.audio_dir / f"{name}{suffix}"
        shutil.copyfile(source, target)
    else:
        target = store.audio_dir / f"{name}.flac"
        target.write_bytes(encode_flac(decode_audio(source, options.limits)))
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
        self.total = float(transcript.audio.get("duration") or 0.0)
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
    finished: bool = False
    cancelled: bool = False

    def start(self) -> str:
        """Save the job (so it is listed even if the server stops) and keep its audio; returns its id."""
        self.tid = self.store.create(self.owner, Transcript([], {"filename": self.filename}), status="running")
        try:
            self.store.set_audio(self.owner, self.tid, keep_audio(self.store, self.source, self.options))
        except Exception as e:
            self.fail(str(e))
            raise
        return self.tid

    def run(self, where: str | None, model: str | None, downloading=None) -> Iterator[Transcript]:
        """Each growing transcript, saved before it is shown. The job stops after the batch during which its
        status was set to "cancelled" (see `cancel`), or when the iterator is closed."""
        stream = self.service.stream(where, model, self.source, self.options, self.filename, self.progress.report,
                                     downloading)
        try:
            for transcript in stream:
                self.progress.from_transcript(transcript)
                self.store.replace(self.owner, self.tid, transcript)
                if self.store.info(self.owner, self.tid)["status"] == "cancelled":  # the reviewer's Cancel
                    self.cancelled = True
                    return
                yield transcript
            self.store.set_status(self.owner, self.tid, "done")
            self.finished = True
        except Exception as e:
            self.fail(str(e))
            raise
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()  # stops the model, or cancels the remote jobs
            if not self.finished:
                self.store.set_status(self.owner, self.tid, "cancelled")

    def fail(self, message: str) -> None:
        self.finished = True
        if self.tid:
            self.store.set_status(self.owner, self.tid, "failed", message)

