"""decode -> voice activity -> chunks -> batches -> model -> words -> segments.

A backend is any object with two methods (LocalBackend here, asr.runpod_client.RunPodBackend):
  stream(samples, options, progress) -> Iterator[list[Word]]: the words of the 16 kHz mono `samples`, batch by
      batch in time order, times in seconds of the whole audio; closing the iterator stops the work;
  describe() -> (model dict {"name", "file_sha256"}, backend name such as "local-cpu" or "runpod").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE, AudioSource, decode_audio, sha256_of
from asr.options import TranscribeOptions
from asr.segmenter import Chunk, plan_chunks
from asr.types import Segment, Transcript, Word

Progress = Callable[[float, str], None]  # fraction done in [0, 1], a message


def no_progress(fraction: float, message: str) -> None:
    """The default progress callback: ignores the report."""


def group_segments(words: list[Word], pause: float, max_len: float) -> list[Segment]:
    """Sentence-like segments: a new one starts after a pause of `pause` s or when one would exceed `max_len` s."""
    groups: list[list[Word]] = []
    for w in words:
        if groups and w.start - groups[-1][-1].end < pause and w.end - groups[-1][0].start <= max_len:
            groups[-1].append(w)
        else:
            groups.append([w])
    return [Segment.from_words(i, g) for i, g in enumerate(groups)]


def batched(chunks: Iterable[Chunk], size: int) -> Iterator[list[Chunk]]:
    it = iter(chunks)
    while batch := list(islice(it, size)):
        yield batch


def audio_info(source: AudioSource, samples: np.ndarray, filename: str | None) -> dict:
    if filename is None:
        filename = "" if isinstance(source, (bytes, bytearray)) else Path(source).name
    return {"filename": filename, "duration": round(samples.size / SAMPLE_RATE, 3), "sha256": sha256_of(source)}


class LocalBackend:
    """Transcribes on this machine's GPU or CPU with one Engine (see asr.engine.load_engine).

    `chunks` are cut points planned elsewhere over the same audio (the RunPod client sends them to the
    worker, so a job's cuts are the ones a local run makes); without them they are planned here.
    """

    def __init__(self, engine, chunks: Sequence[Chunk] | None = None):
        self.engine = engine
        self.chunks = chunks

    def stream(self, samples: np.ndarray, options: TranscribeOptions, progress: Progress = no_progress
               ) -> Iterator[list[Word]]:
        """Yield the words of each batch of chunks as soon as it is done, times in seconds of the whole audio."""
        total = samples.size / SAMPLE_RATE
        chunks = plan_chunks(samples, options.max_chunk) if self.chunks is None else self.chunks
        if self.chunks and self.chunks[-1].end > samples.size:
            raise ValueError(f"chunks reach sample {self.chunks[-1].end}, but the audio has {samples.size} samples "
                             "at 16 kHz.")
        for batch in batched(chunks, options.batch_size):
            recognized = self.engine.recognize([samples[c.start : c.end] for c in batch])
            yield [w.shifted(c.offset) for c, words in zip(batch, recognized, strict=True) for w in words]
            done = batch[-1].end / SAMPLE_RATE
            progress(done / total, f"{done:.0f} s of {total:.0f} s transcribed")

    def describe(self) -> tuple[dict, str]:
        return self.engine.info, self.engine.backend


def transcribe_stream(backend, source: AudioSource, options: TranscribeOptions = TranscribeOptions(),
                      progress: Progress = no_progress, filename: str | None = None) -> Iterator[Transcript]:
    """Yield a growing Transcript after each finished batch; the last one is complete.

    Closing the generator early stops the work (and cancels outstanding remote jobs).
    """
    started = time.perf_counter()
    progress(0.0, "decoding audio")
    samples = decode_audio(source, options.limits)
    model, backend_name = backend.describe()
    transcript = Transcript([], audio_info(source, samples, filename), model, backend_name, 0.0, options.to_dict())
    words: list[Word] = []
    yield transcript
    for new_words in backend.stream(samples, options, progress):
        words.extend(new_words)
        transcript.segments = group_segments(words, options.segment_pause, options.max_segment)
        transcript.model, transcript.backend = backend.describe()  # a remote backend learns its model from results
        transcript.processing_time = round(time.perf_counter() - started, 3)
        yield transcript
    progress(1.0, "done")


def transcribe(backend, source: AudioSource, options: TranscribeOptions = TranscribeOptions(),
               progress: Progress = no_progress, filename: str | None = None) -> Transcript:
    """Transcribe a whole file or encoded bytes with the given backend."""
    *_, transcript = transcribe_stream(backend, source, options, progress, filename)
    return transcript
