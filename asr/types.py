"""Domain types of a transcript: Word, Segment, Transcript (times in float seconds).

They are passed between modules as dataclasses; JSON only at the edges (API, export, RunPod).
The JSON layout is the one in docs/DESIGN (version 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Word:
    word: str
    start: float  # seconds from the start of the original file
    end: float
    confidence: float  # in [0, 1]

    def shifted(self, offset: float) -> Word:
        """This word ``offset`` seconds later, its times rounded to the millisecond (no float noise in JSON)."""
        return Word(self.word, round(self.start + offset, 3), round(self.end + offset, 3), self.confidence)


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    reviewed: bool = False

    @classmethod
    def from_words(cls, id: int, words: list[Word]) -> Segment:
        return cls(id, words[0].start, words[-1].end, " ".join(w.word for w in words), list(words))


@dataclass
class Transcript:
    segments: list[Segment]
    audio: dict[str, Any] = field(default_factory=dict)  # filename, duration, sha256
    model: dict[str, Any] = field(default_factory=dict)  # name, file_sha256
    backend: str = ""
    processing_time: float = 0.0
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SCHEMA_VERSION,
            "audio": self.audio,
            "model": self.model,
            "backend": self.backend,
            "text": self.text,
            "segments": [asdict(s) for s in self.segments],
            "processing_time": self.processing_time,
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        if data.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise ValueError(f"unsupported transcript version {data.get('version')!r}; expected {SCHEMA_VERSION}")
        segments = [
            Segment(
                id=s["id"],
                start=s["start"],
                end=s["end"],
                text=s["text"],
                words=[Word(**w) for w in s.get("words", [])],
                reviewed=s.get("reviewed", False),
            )
            for s in data.get("segments", [])
        ]
        return cls(
            segments=segments,
            audio=data.get("audio", {}),
            model=data.get("model", {}),
            backend=data.get("backend", ""),
            processing_time=data.get("processing_time", 0.0),
            options=data.get("options", {}),
        )
