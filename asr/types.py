"""Domain types of a transcript: Word, Segment, Transcript and how it was made (times in float seconds).

They are passed between modules as dataclasses; JSON only at the edges (API, export, store, RunPod), and
only through the `to_dict`/`from_dict` pairs here: there is no other conversion. The JSON layout is
version 1 of docs/DESIGN; optional fields are left out while they hold their default, so a transcript
without speakers or readable text is written as before.

`Segment.words` are always the raw, timed words (what the model recognised, or the alignment of the
reviewer's text produced). `Segment.text` is what a person reads: the raw words joined, the readable form
(punctuation, capitals, digits), or the reviewer's edit. `Segment.tokens`, when present, maps each
whitespace-separated token of `text` to the raw words it came from, so every token has a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from asr.errors import RequestError

SCHEMA_VERSION = 1


def _ms(seconds: float) -> float:
    """Seconds rounded to the millisecond: no float noise (1.1600000000000001) in JSON."""
    return round(float(seconds), 3)


@dataclass
class Word:
    word: str
    start: float  # seconds from the start of the original file
    end: float
    confidence: float  # in [0, 1]
    speaker: str | None = None
    aligned: bool = True  # False: the reviewer's word could not be heard here (forced alignment)

    def shifted(self, offset: float) -> Word:
        """This word ``offset`` seconds later, its times rounded to the millisecond."""
        return replace(self, start=_ms(self.start + offset), end=_ms(self.end + offset))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"word": self.word, "start": self.start, "end": self.end,
                                "confidence": self.confidence}
        if self.speaker is not None:
            data["speaker"] = self.speaker
        if not self.aligned:
            data["aligned"] = False
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], offset: float = 0.0) -> Word:
        """A word from JSON; `offset` seconds are added to its times (a chunk's or a job's start)."""
        word = cls(str(data["word"]), _ms(data["start"]), _ms(data["end"]), float(data.get("confidence", 1.0)),
                   data.get("speaker"), bool(data.get("aligned", True)))
        return word.shifted(offset) if offset else word


@dataclass(frozen=True)
class Token:
    """One whitespace-separated token of a segment's text and the raw words it came from (inclusive)."""

    text: str
    first: int  # index into Segment.words
    last: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "first": self.first, "last": self.last}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Token:
        return cls(str(data["text"]), int(data["first"]), int(data["last"]))


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    reviewed: bool = False
    speaker: str | None = None
    tokens: list[Token] = field(default_factory=list)  # empty: `text` is the raw words joined
    edited: bool = False  # the reviewer changed the text: later stages never rewrite it

    @classmethod
    def from_words(cls, id: int, words: list[Word], speaker: str | None = None) -> Segment:
        return cls(id, words[0].start, words[-1].end, " ".join(w.word for w in words), list(words),
                   speaker=speaker)

    @property
    def raw_text(self) -> str:
        return " ".join(w.word for w in self.words)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "start": self.start, "end": self.end, "text": self.text,
                                "reviewed": self.reviewed, "words": [w.to_dict() for w in self.words]}
        if self.speaker is not None:
            data["speaker"] = self.speaker
        if self.tokens:
            data["tokens"] = [t.to_dict() for t in self.tokens]
        if self.edited:
            data["edited"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], offset: float = 0.0) -> Segment:
        return cls(int(data["id"]), _ms(float(data["start"]) + offset), _ms(float(data["end"]) + offset),
                   str(data["text"]), [Word.from_dict(w, offset) for w in data.get("words", [])],
                   bool(data.get("reviewed", False)), data.get("speaker"),
                   [Token.from_dict(t) for t in data.get("tokens", [])], bool(data.get("edited", False)))


@dataclass(frozen=True)
class AudioInfo:
    filename: str = ""
    duration: float = 0.0  # seconds
    sha256: str = ""  # of the file as uploaded

    def to_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "duration": self.duration, "sha256": self.sha256}


@dataclass(frozen=True)
class ModelInfo:
    name: str = ""
    file_sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file_sha256": self.file_sha256}


@dataclass(frozen=True)
class BackendInfo:
    """What a backend runs: the model, where (local-cpu, local-cuda, runpod), on what device, at what precision."""

    model: ModelInfo = ModelInfo()
    backend: str = ""
    device: str = ""  # cpu | cuda ("" while a remote backend has not said)
    precision: str = ""  # fp32 | bf16 | fp16


@dataclass(frozen=True)
class TranscriptionInfo:
    """How a transcript was made; recorded in every transcript."""

    audio: AudioInfo = AudioInfo()
    model: ModelInfo = ModelInfo()
    backend: str = ""
    device: str = ""
    precision: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # asr.options.TranscribeOptions.to_dict()

    @classmethod
    def of(cls, audio: AudioInfo, backend: BackendInfo, options: dict[str, Any]) -> TranscriptionInfo:
        return cls(audio, backend.model, backend.backend, backend.device, backend.precision, dict(options))

    def to_dict(self) -> dict[str, Any]:
        return {"audio": self.audio.to_dict(), "model": self.model.to_dict(), "backend": self.backend,
                "device": self.device, "precision": self.precision, "options": self.options}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TranscriptionInfo:
        audio, model = data.get("audio") or {}, data.get("model") or {}
        return cls(_known(AudioInfo, audio), _known(ModelInfo, model), str(data.get("backend", "")),
                   str(data.get("device", "")), str(data.get("precision", "")), dict(data.get("options") or {}))


def _known(cls, data: dict[str, Any]):
    """An instance of dataclass `cls` from the keys of `data` it knows (later versions may add more)."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class Transcript:
    segments: list[Segment]
    info: TranscriptionInfo = TranscriptionInfo()
    processing_time: float = 0.0  # seconds

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def raw_text(self) -> str:
        """The recognised words joined, whatever form `text` is in."""
        return " ".join(w.word for s in self.segments for w in s.words)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    def to_dict(self) -> dict[str, Any]:
        return {"version": SCHEMA_VERSION, **self.info.to_dict(), "text": self.text,
                "segments": [s.to_dict() for s in self.segments], "processing_time": self.processing_time}

    @classmethod
    def from_dict(cls, data: Any) -> Transcript:
        """A transcript from its JSON; RequestError (saying what is wrong) for anything else."""
        if not isinstance(data, dict):
            raise RequestError("A transcript must be a JSON object like the one /transcribe returns.")
        if data.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise RequestError(f"This transcript has version {data.get('version')!r}; "
                               f"this Prepis reads version {SCHEMA_VERSION}.")
        try:
            segments = [Segment.from_dict(s) for s in data.get("segments", [])]
            return cls(segments, TranscriptionInfo.from_dict(data), float(data.get("processing_time", 0.0)))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise RequestError("This is not a transcript like the one /transcribe returns: each segment needs "
                               "id, start, end and text, and each word word, start and end.") from e
