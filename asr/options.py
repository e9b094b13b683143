"""How a transcription is made: one dataclass, one validator; recorded in every transcript."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from asr.audio import DEFAULT_MAX_BYTES, DEFAULT_MAX_DURATION, AudioLimits
from asr.errors import RequestError

CUT_CONTEXT = 1.0  # seconds; measured on a 17-minute file (docs/benchmarks.md, "Context at cuts")
TEXT_MODES = ("raw", "readable")  # raw: the recognised words joined; readable: asr.text (punctuation, digits)


@dataclass(frozen=True)
class TranscribeOptions:
    max_chunk: float = 20.0  # seconds of speech per model call, cut at pauses
    cut_context: float = CUT_CONTEXT  # seconds of audio the model also hears on each side of a chunk
    batch_size: int = 1  # chunks per forward pass (batching helps on a GPU, not on a CPU)
    segment_pause: float = 0.6  # seconds of silence between words that start a new segment
    max_segment: float = 12.0  # seconds; a longer run of words is split into several segments
    max_duration: float = DEFAULT_MAX_DURATION  # seconds of audio accepted
    max_bytes: int = DEFAULT_MAX_BYTES  # size of the input file accepted
    text: str = "readable"  # how Segment.text is written: one of TEXT_MODES (the raw words are always kept)

    def __post_init__(self):
        checks = {
            "max_chunk": 1.0 <= self.max_chunk <= 600.0,
            "cut_context": 0.0 <= self.cut_context <= 5.0,
            "batch_size": isinstance(self.batch_size, int) and 1 <= self.batch_size <= 256,
            "segment_pause": 0.0 < self.segment_pause <= 10.0,
            "max_segment": 1.0 <= self.max_segment <= 600.0,
            "max_duration": self.max_duration > 0,
            "max_bytes": self.max_bytes > 0,
            "text": self.text in TEXT_MODES,
        }
        allowed = {
            "max_chunk": "1 to 600 seconds",
            "cut_context": "0 to 5 seconds",
            "batch_size": "an integer from 1 to 256",
            "segment_pause": "above 0 and at most 10 seconds",
            "max_segment": "1 to 600 seconds",
            "max_duration": "positive seconds",
            "max_bytes": "positive bytes",
            "text": " or ".join(TEXT_MODES),
        }
        for name, ok in checks.items():
            if not ok:
                raise RequestError(f"{name}={getattr(self, name)!r} is not allowed: use {allowed[name]}")

    @property
    def limits(self) -> AudioLimits:
        return AudioLimits(self.max_duration, self.max_bytes)

    def to_dict(self) -> dict:
        return asdict(self)
