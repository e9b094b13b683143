"""How a transcription is made: one dataclass, one validator; recorded in every transcript."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from asr.audio import DEFAULT_MAX_BYTES, DEFAULT_MAX_DURATION, AudioLimits
from asr.errors import RequestError

# Full attention grows with the square of the chunk: 300 s took ~15 GB on a CPU, 60 s stays under 1 GB. One
# model call never hears more than MAX_CHUNK (client-planned chunks included).
MAX_CHUNK = 60.0  # seconds of speech per model call
MAX_MODEL_INPUT = MAX_CHUNK  # seconds of audio in one chunk
MAX_BATCH_AUDIO = 1200.0  # seconds of audio in one forward pass (all the chunks of a batch)
SPEAKERS_AUTO, SPEAKERS_OFF = "auto", "off"
MAX_SPEAKERS = 8  # the most speakers diarization looks for, or can be told there are
TEXT_MODES = ("raw", "readable")  # raw: the recognised words joined; readable: asr.text (punctuation, digits)


@dataclass(frozen=True)
class TranscribeOptions:
    max_chunk: float = 20.0  # seconds of speech per model call, cut at pauses
    batch_size: int = 1  # chunks per forward pass (batching helps on a GPU, not on a CPU)
    segment_pause: float = 0.6  # seconds of silence between words that start a new segment
    max_segment: float = 12.0  # seconds; a longer run of words is split into several segments
    max_duration: float = DEFAULT_MAX_DURATION  # seconds of audio accepted
    max_bytes: int = DEFAULT_MAX_BYTES  # size of the input file accepted
    speakers: str = SPEAKERS_AUTO  # "auto": found by diarization; "off"; or how many there are, "1" to "8"
    text: str = "readable"  # how Segment.text is written: one of TEXT_MODES (the raw words are always kept)

    def __post_init__(self):
        object.__setattr__(self, "speakers", str(self.speakers).strip().lower())
        checks = {
            "max_chunk": 1.0 <= self.max_chunk <= MAX_CHUNK,
            "batch_size": isinstance(self.batch_size, int) and 1 <= self.batch_size <= 256,
            "segment_pause": 0.0 < self.segment_pause <= 10.0,
            "max_segment": 1.0 <= self.max_segment <= 600.0,
            "max_duration": self.max_duration > 0,
            "max_bytes": self.max_bytes > 0,
            "speakers": self.speakers in (SPEAKERS_AUTO, SPEAKERS_OFF)
            or (self.speakers.isdigit() and 1 <= int(self.speakers) <= MAX_SPEAKERS),
            "text": self.text in TEXT_MODES,
        }
        allowed = {
            "max_chunk": f"1 to {MAX_CHUNK:g} seconds",
            "batch_size": "an integer from 1 to 256",
            "segment_pause": "above 0 and at most 10 seconds",
            "max_segment": "1 to 600 seconds",
            "max_duration": "positive seconds",
            "max_bytes": "positive bytes",
            "speakers": f"auto, off, or how many speakers there are (1 to {MAX_SPEAKERS})",
            "text": " or ".join(TEXT_MODES),
        }
        for name, ok in checks.items():
            if not ok:
                raise RequestError(f"{name}={getattr(self, name)!r} is not allowed: use {allowed[name]}")
        check_batch(self.batch_size, self.max_chunk)

    @property
    def limits(self) -> AudioLimits:
        return AudioLimits(self.max_duration, self.max_bytes)

    @property
    def diarize(self) -> bool:
        """Whether speakers are found at all."""
        return self.speakers != SPEAKERS_OFF

    @property
    def speaker_count(self) -> int | None:
        """How many speakers there are when the person said so; None when diarization finds out."""
        return int(self.speakers) if self.speakers.isdigit() else None

    def to_dict(self) -> dict:
        return asdict(self)


def check_batch(batch_size: int, chunk_seconds: float) -> None:
    """Refuse a batch that would put more than MAX_BATCH_AUDIO seconds of audio into one forward pass."""
    if batch_size * chunk_seconds > MAX_BATCH_AUDIO:
        raise RequestError(f"batch_size={batch_size} with chunks of {chunk_seconds:g} s puts "
                           f"{batch_size * chunk_seconds:g} s of audio into one model call; the most is "
                           f"{MAX_BATCH_AUDIO:g} s. Lower batch_size or the chunk length.")
