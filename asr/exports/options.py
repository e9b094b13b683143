"""How an export is written: one frozen dataclass, one validator; the subtitle presets."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from asr.errors import RequestError

LANGUAGES = ("sl", "en")  # labels in DOCX, TXT and the review report
TXT_STYLES = ("plain", "timed")  # timed: a time (and the speaker, when known) before each segment
DOCX_LAYOUTS = ("table", "paragraphs")  # paragraphs: a speaker heading where the speaker changes
CSV_LEVELS = ("segments", "words")
LOW_CONFIDENCE = 0.5  # words below this confidence are uncertain (the review view's default too)


@dataclass(frozen=True)
class SubtitlePreset:
    """The numbers a subtitle must keep (times in seconds)."""

    max_chars: int  # per line
    max_lines: int
    min_duration: float
    max_duration: float
    max_cps: float  # characters per second a viewer can read
    min_gap: float  # between the end of one cue and the start of the next
    hard_pause: float  # silence that always starts a new cue


# streaming: the common web/streaming conventions (42 characters, 20 characters/s, 2 frames at 24 fps apart);
# broadcast: European television (37 characters, 17 characters/s, 4 frames at 25 fps apart)
PRESETS = {
    "streaming": SubtitlePreset(42, 2, 1.0, 7.0, 20.0, 0.083, 1.5),
    "broadcast": SubtitlePreset(37, 2, 1.0, 7.0, 17.0, 0.16, 1.5),
}

ALLOWED = {
    "lang": LANGUAGES,
    "subtitles": tuple(PRESETS),
    "txt": TXT_STYLES,
    "docx": DOCX_LAYOUTS,
    "csv": CSV_LEVELS,
}


@dataclass(frozen=True)
class ExportOptions:
    lang: str = "sl"  # language of the labels
    subtitles: str = "streaming"  # subtitle preset (SRT, VTT)
    txt: str = "plain"
    docx: str = "table"
    highlight: bool = True  # DOCX: uncertain words highlighted
    low_confidence: float = LOW_CONFIDENCE
    words_tier: bool = False  # ELAN and TextGrid: a tier of timed words under each speaker's tier
    csv: str = "segments"
    date: str = ""  # DOCX date line, written as given (the caller's date in the reader's format); "" = none

    def __post_init__(self):
        for name, allowed in ALLOWED.items():
            if getattr(self, name) not in allowed:
                raise RequestError(f"{name}={getattr(self, name)!r} is not allowed: use one of {', '.join(allowed)}.")
        for name in ("highlight", "words_tier"):
            if not isinstance(getattr(self, name), bool):
                raise RequestError(f"{name} must be true or false.")
        if not isinstance(self.low_confidence, int | float) or not 0.0 <= self.low_confidence <= 1.0:
            raise RequestError(f"low_confidence={self.low_confidence!r} is not allowed: use a number from 0 to 1.")
        if not isinstance(self.date, str) or len(self.date) > 100:
            raise RequestError("date must be a text of at most 100 characters, as it should appear in the document.")

    @property
    def preset(self) -> SubtitlePreset:
        return PRESETS[self.subtitles]

    @classmethod
    def from_dict(cls, data: Any) -> ExportOptions:
        """Options from JSON (the API's optional argument); RequestError names what is wrong or unknown."""
        if data is None or data == "":
            return cls()
        if not isinstance(data, dict):
            raise RequestError("Export options must be a JSON object such as {\"subtitles\": \"broadcast\"}.")
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise RequestError(f"Unknown export option {unknown[0]!r}; the options are {', '.join(names)}.")
        return cls(**data)
