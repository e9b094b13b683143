"""What the review view shows of a Transcript, and what a reviewer's table edits mean. No gradio here."""

from __future__ import annotations

from dataclasses import dataclass

from asr.types import Segment, Transcript, Word
from ui.i18n import clock, parse_clock, t

LOW_CONFIDENCE = 0.5  # words below this are marked uncertain (PREPIS_LOW_CONFIDENCE overrides)
SHOWN_UNSURE = 3  # uncertain words named in a table row
PRE_ROLL = 0.3  # seconds played before an uncertain word when jumping to it
COLUMNS = ("col_n", "col_start", "col_end", "col_text", "col_unsure", "col_reviewed")
STATIC_COLUMNS = [0, 4, 5]  # number, uncertain words, reviewed: not edited in the table
COLUMN_WIDTHS = ["5%", "12%", "12%", "40%", "15%", "16%"]


@dataclass(frozen=True)
class Edit:
    segment: int
    field: str  # text | start | end
    value: str | float


def headers(lang: str) -> list[str]:
    return [t(lang, key) for key in COLUMNS]


def unsure_words(segment: Segment, threshold: float) -> list[Word]:
    return [w for w in segment.words if w.confidence < threshold]


def unsure_note(words: list[Word]) -> str:
    """'⚠ 5: dan? hiša? vas? +2': how many, and the first few (a sign and a count, not only a colour)."""
    if not words:
        return ""
    shown = " ".join(f"{w.word}?" for w in words[:SHOWN_UNSURE])
    more = f" +{len(words) - SHOWN_UNSURE}" if len(words) > SHOWN_UNSURE else ""
    return f"⚠ {len(words)}: {shown}{more}"


def is_edited(segment: Segment) -> bool:
    return segment.text != " ".join(w.word for w in segment.words)


def row(segment: Segment, lang: str, threshold: float) -> list:
    unsure = unsure_note(unsure_words(segment, threshold))  # the model's words, kept after edits
    reviewed = t(lang, "yes") if segment.reviewed else ""
    return [segment.id + 1, clock(segment.start), clock(segment.end), segment.text, unsure, reviewed]


def table(transcript: Transcript | None, lang: str, threshold: float) -> dict:
    """The value of the segments table: {"headers", "data"}."""
    data = [row(s, lang, threshold) for s in transcript.segments] if transcript else []
    return {"headers": headers(lang), "data": data}


def subtitles(transcript: Transcript) -> list[dict]:
    """Subtitles for gr.Audio: one cue a segment with text."""
    return [{"text": s.text, "timestamp": [s.start, s.end]} for s in transcript.segments if s.text.strip()]


def share(transcript: Transcript | None, lang: str) -> str:
    if not transcript or not transcript.segments:
        return ""
    done, total = sum(s.reviewed for s in transcript.segments), len(transcript.segments)
    return t(lang, "share", done=done, total=total, pct=round(100 * done / total))


def marked_words(segment: Segment, threshold: float) -> list[tuple[str, str | None]]:
    """The segment for gr.HighlightedText: uncertain words labelled '?' (a sign, not only a colour)."""
    if is_edited(segment):
        return [(segment.text, None)]
    return [(w.word + " ", "?" if w.confidence < threshold else None) for w in segment.words]


def next_unsure(transcript: Transcript, after: int | None, threshold: float) -> tuple[int, Word] | None:
    """The first segment after `after` (wrapping around), neither edited nor reviewed, with an uncertain word."""
    segments = transcript.segments
    if not segments:
        return None
    start = -1 if after is None else after
    order = [(start + k) % len(segments) for k in range(1, len(segments) + 1)]
    for i in order:
        done = segments[i].reviewed or is_edited(segments[i])
        words = [] if done else unsure_words(segments[i], threshold)
        if words:
            return i, words[0]
    return None


def seek_time(word: Word) -> float:
    return max(0.0, word.start - PRE_ROLL)


def segment_index(value) -> int | None:
    """The segment index of a table row's first cell ('#', 1-based)."""
    try:
        return int(float(value)) - 1
    except (TypeError, ValueError):
        return None


def table_edits(rows: list[list], transcript: Transcript) -> tuple[list[Edit], list[str]]:
    """Compare the table the reviewer changed with the saved transcript: (edits, values that are not valid times)."""
    edits: list[Edit] = []
    bad: list[str] = []
    duration = transcript.info.audio.duration or float("inf")
    for r in rows or []:
        i = segment_index(r[0]) if r else None
        if i is None or not 0 <= i < len(transcript.segments) or len(r) < 4:
            continue
        seg = transcript.segments[i]
        text = str(r[3] if r[3] is not None else "").strip()
        if text != seg.text:
            edits.append(Edit(i, "text", text))
        times = _times(r[1], r[2], seg, duration)
        if times is None:
            bad.append(f"{r[1]} / {r[2]}")
            continue
        for field, value, old in (("start", times[0], seg.start), ("end", times[1], seg.end)):
            if abs(value - old) >= 0.005:
                edits.append(Edit(i, field, value))
    return edits, bad


def _times(start_cell, end_cell, seg: Segment, duration: float) -> tuple[float, float] | None:
    try:
        start = round(parse_clock(start_cell), 2) if str(start_cell).strip() != clock(seg.start) else seg.start
        end = round(parse_clock(end_cell), 2) if str(end_cell).strip() != clock(seg.end) else seg.end
    except ValueError:
        return None
    if not 0 <= start < end <= duration + 0.01:
        return None
    return start, end
