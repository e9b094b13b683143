"""What several writers share: time formats, the spoken segments, timed tokens of a segment's text, labels."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from asr.types import Segment, Transcript

# metadata time of zipped formats, fixed so that the same transcript always gives the same bytes
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

LABELS: dict[str, tuple[str, str]] = {  # key: (sl, en)
    "title": ("Prepis", "Transcript"),
    "date": ("Datum", "Date"),
    "file": ("Datoteka", "File"),
    "duration": ("Trajanje", "Duration"),
    "model": ("Model", "Model"),
    "reviewed": ("Pregledano", "Reviewed"),
    "reviewed_share": ("{done} od {total} segmentov ({pct} %)", "{done} of {total} segments ({pct} %)"),
    "time": ("Čas", "Time"),
    "speaker": ("Govorec", "Speaker"),
    "text": ("Besedilo", "Text"),
    "uncertain": ("označene besede so negotove (zaupanje pod {pct} %)",
                  "highlighted words are uncertain (confidence below {pct} %)"),
    "reviewed_mark": ("✓ pregledan segment", "✓ reviewed segment"),
    "words": ("besede", "words"),
    "transcript": ("prepis", "transcript"),
}


def label(lang: str, key: str, **values) -> str:
    """A document label in `lang` ("sl" or "en"), with `values` filled in."""
    sl, en = LABELS[key]
    text = en if lang == "en" else sl
    return text.format(**values) if values else text


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def format_date(day: date, lang: str) -> str:
    """A date as the reader writes it: '1. 12. 2026' (sl), '1 December 2026' (en); for ExportOptions.date."""
    if lang == "en":
        return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}. {day.month}. {day.year}"


def format_timestamp(seconds: float, decimal_marker: str = ".", always_hours: bool = True) -> str:
    """12.345 -> '00:00:12.345' (SRT uses ',' as decimal marker)."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    head = f"{hours:02d}:" if always_hours or hours else ""
    return f"{head}{minutes:02d}:{secs:02d}{decimal_marker}{ms:03d}"


def spoken(transcript: Transcript) -> list[Segment]:
    """The segments that have text to show."""
    return [s for s in transcript.segments if s.text.strip()]


def review_share(transcript: Transcript) -> tuple[int, int, int]:
    """(reviewed, spoken segments, whole per cent reviewed)."""
    segments = spoken(transcript)
    done = sum(s.reviewed for s in segments)
    return done, len(segments), round(100 * done / len(segments)) if segments else 0


@dataclass(frozen=True)
class TimedToken:
    """One whitespace token of a segment's text with the time it is spoken (seconds)."""

    text: str
    start: float
    end: float
    speaker: str | None
    confidence: float | None  # the lowest of its raw words; None where the text is not the recognised words


def timed_tokens(segment: Segment) -> list[TimedToken]:
    """The segment's text as timed tokens: from its token map, else its raw words when the text is them,
    else the text spread over the segment's time in proportion to characters (an edit not yet re-aligned)."""
    texts = segment.text.split()
    words = segment.words
    if segment.tokens and len(segment.tokens) == len(texts) and all(t.last < len(words) for t in segment.tokens):
        return [_from_words(t.text, words[t.first:t.last + 1], segment.speaker) for t in segment.tokens]
    if words and texts == [w.word for w in words]:
        return [_from_words(w.word, [w], segment.speaker) for w in words]
    return list(_proportional(texts, segment))


def _from_words(text: str, words, speaker: str | None) -> TimedToken:
    return TimedToken(text, words[0].start, words[-1].end, words[0].speaker or speaker,
                      min(w.confidence for w in words))


def _proportional(texts: list[str], segment: Segment) -> Iterator[TimedToken]:
    total = sum(len(t) for t in texts) or 1
    span = max(0.0, segment.end - segment.start)
    done = 0
    for text in texts:
        start = segment.start + span * done / total
        done += len(text)
        yield TimedToken(text, round(start, 3), round(segment.start + span * done / total, 3), segment.speaker, None)


def canonical_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member times, so identical content gives identical bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return make_zip((item.filename, src.read(item.filename)) for item in src.infolist())


def make_zip(members) -> bytes:
    """A deflated zip of (name, bytes) pairs with fixed member times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    return out.getvalue()
