"""decode -> plan -> backend.stream -> final segments, incrementally -> text stage (asr.text).

A transcription decodes the audio once, lets a backend (asr.backends) recognise it batch by batch, and
groups the words into segments as they come: a segment is final as soon as a later word cannot join it, so
each step yields only the segments that became final (work per step does not grow with the transcript),
and the last step yields the rest. With `options.text == "readable"` each batch of new final segments gets its
readable text (asr.text.make_readable) before it is appended; appended segments are never rewritten.

Speakers need the whole recording, so they are found when recognition has finished (asr.speakers, on the audio
already decoded, wherever the words were recognised): the last step then rewrites the transcript as a whole
(every word and segment labelled, segments split where the speaker changes) and says so with `replaced`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from asr import speakers
from asr.audio import SAMPLE_RATE, AudioLimits, AudioSource, decode_audio, sha256_of
from asr.backends import Backend, Progress, no_progress
from asr.errors import log_unexpected
from asr.options import TranscribeOptions
from asr.text import make_readable
from asr.types import AudioInfo, Segment, Transcript, TranscriptionInfo, Word

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audio:
    """Decoded audio (16 kHz mono float32) and what it came from: decode once, use everywhere."""

    samples: np.ndarray
    info: AudioInfo


def load_audio(source: AudioSource, limits: AudioLimits = AudioLimits(), filename: str | None = None) -> Audio:
    """Decode a file path or encoded bytes; AudioError says why it cannot be used."""
    samples = decode_audio(source, limits)
    if filename is None:
        filename = "" if isinstance(source, (bytes, bytearray)) else Path(source).name
    return Audio(samples, AudioInfo(filename, round(samples.size / SAMPLE_RATE, 3), sha256_of(source)))


class SegmentBuilder:
    """Groups words into sentence-like segments as they arrive, in time order.

    A new segment starts after a pause of `pause` s, or when the open one would exceed `max_len` s. Since the
    choice for a word depends only on the open segment, a segment is final once a word did not join it.
    """

    def __init__(self, pause: float, max_len: float, first_id: int = 0):
        self.pause, self.max_len = pause, max_len
        self._open: list[Word] = []
        self._next_id = first_id

    def add(self, words: Iterable[Word]) -> list[Segment]:
        """Take the next words; returns the segments they closed."""
        closed = []
        for w in words:
            if self._open and (w.start - self._open[-1].end >= self.pause
                               or w.end - self._open[0].start > self.max_len):
                closed.append(self._close())
            self._open.append(w)
        return closed

    def finish(self) -> list[Segment]:
        """The open segment, if any: no more words are coming."""
        return [self._close()] if self._open else []

    def _close(self) -> Segment:
        segment = Segment.from_words(self._next_id, self._open)
        self._next_id += 1
        self._open = []
        return segment


@dataclass
class Update:
    """One step of a transcription: the transcript so far, and the segments this step made final.

    `replaced`: this step rewrote the segments already given (speakers assigned, segments split and renumbered):
    `new` holds all of them, and whoever keeps the earlier ones replaces them.
    """

    transcript: Transcript
    new: list[Segment]
    replaced: bool = False


def transcribe_stream(backend: Backend, source: AudioSource | Audio, options: TranscribeOptions = TranscribeOptions(),
                      progress: Progress = no_progress, filename: str | None = None,
                      cancel: threading.Event | None = None) -> Iterator[Update]:
    """Yield an Update after decoding (no segments yet) and after each batch; the last one completes it.

    `transcript.segments` grows in place. Setting `cancel`, or closing the generator, stops the work after the
    batch in hand (remote jobs are cancelled); the segments so far are kept.
    """
    started = time.perf_counter()
    progress(0.0, "decoding audio")
    audio = source if isinstance(source, Audio) else load_audio(source, options.limits, filename)
    transcript = Transcript([], TranscriptionInfo.of(audio.info, backend.info, options.to_dict()))
    yield Update(transcript, [])
    builder = SegmentBuilder(options.segment_pause, options.max_segment)
    stream = backend.stream(audio.samples, options, progress=progress)
    try:
        for words in stream:
            new = _text(builder.add(words), options)
            _step(transcript, new, backend, started)
            yield Update(transcript, new)
            if cancel is not None and cancel.is_set():
                break  # the words recognised so far are kept
        new = _text(builder.finish(), options)
        _step(transcript, new, backend, started)
        if (options.diarize and transcript.segments and not (cancel is not None and cancel.is_set())
                and _label_speakers(transcript, audio, options, backend, progress)):
            _step(transcript, [], backend, started)
            yield Update(transcript, list(transcript.segments), replaced=True)
        else:
            yield Update(transcript, new)
    finally:
        stream.close()
    progress(1.0, "done")


def _text(new: list[Segment], options: TranscribeOptions) -> list[Segment]:
    """The segments that just became final, in the text form the options ask for (before they are appended)."""
    return make_readable(new) if options.text == "readable" else new


def _step(transcript: Transcript, new: list[Segment], backend: Backend, started: float) -> None:
    transcript.segments.extend(new)
    info = backend.info  # a remote backend learns its model from its results
    transcript.info = replace(transcript.info, model=info.model, backend=info.backend, device=info.device,
                              precision=info.precision)
    transcript.processing_time = round(time.perf_counter() - started, 3)


def _label_speakers(transcript: Transcript, audio: Audio, options: TranscribeOptions, backend: Backend,
                    progress: Progress) -> bool:
    """Find who spoke when in the recognised words' regions; label and split the segments in place.

    False when it failed: a defect there (logged) must not cost the person the words already recognised.
    """
    progress(1.0, "finding speakers")
    device = "cuda" if backend.info.device == "cuda" else "cpu"
    try:
        turns = speakers.diarize(audio.samples, speakers.word_regions(transcript.words), options.speaker_count,
                                 device)
    except Exception as e:  # the transcript stays whole, without speakers
        log_unexpected(log, e, "speaker diarization")
        return False
    transcript.segments[:] = speakers.label_segments(transcript.segments, turns)
    return True


def transcribe(backend: Backend, source: AudioSource | Audio, options: TranscribeOptions = TranscribeOptions(),
               progress: Progress = no_progress, filename: str | None = None) -> Transcript:
    """Transcribe a whole file (path, encoded bytes, or decoded Audio) with the given backend."""
    *_, last = transcribe_stream(backend, source, options, progress, filename)
    return last.transcript
