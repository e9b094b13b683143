"""What the reviewer's editing actions do to segments: pure functions from Segments to Segments (no store, no
gradio). Each action of the editor becomes a list of asr.store.Splice through these."""

from __future__ import annotations

from dataclasses import replace

from asr.errors import RequestError
from asr.types import Segment, Token

MIN_LENGTH = 0.01  # seconds: the shortest segment a retiming may leave


def text_segment(segment: Segment, text: str) -> Segment:
    """The segment with the reviewer's text and no re-alignment: its raw words stay (so do their marks), the
    text is one block unless it is the raw words again."""
    text = " ".join(text.split())
    if text == segment.raw_text:
        return replace(segment, text=text, tokens=[], edited=False)
    return replace(segment, text=text, tokens=[], edited=True)


def retimed(segment: Segment, start: float, end: float, duration: float) -> Segment:
    """The segment with new start and end (seconds); RequestError when they are not a span of the audio."""
    if not 0 <= start < end or end - start < MIN_LENGTH or (duration and end > duration + MIN_LENGTH):
        raise RequestError(f"{start}–{end} s is not a span of the recording: start before end, within it.")
    return replace(segment, start=round(start, 3), end=round(end, 3))


def overlaps(before: Segment | None, segment: Segment, after: Segment | None) -> bool:
    return bool(before and before.start < segment.start < before.end or after and segment.end > after.start)


def split(segment: Segment, offset: int) -> tuple[Segment, Segment]:
    """Two segments from one, cut at character `offset` of its text (moved to the nearest space)."""
    text = segment.text
    cut = _word_boundary(text, offset)
    left, right = text[:cut].strip(), text[cut:].strip()
    if not left or not right:
        raise RequestError("A segment is split between two of its words, not at its start or end.")
    k = len(left.split())  # display tokens on the left
    if segment.tokens:
        at = segment.tokens[k].first
    elif not segment.edited:
        at = k
    else:  # one edited block: the raw words are divided where the text is, in proportion of characters
        moment = segment.start + (segment.end - segment.start) * cut / max(1, len(text))
        at = sum(1 for w in segment.words if w.start < moment)
    first_words, second_words = segment.words[:at], segment.words[at:]
    mid = first_words[-1].end if first_words else (second_words[0].start if second_words else None)
    middle = mid if mid is not None else segment.start + (segment.end - segment.start) * cut / max(1, len(text))
    first = replace(segment, end=round(max(middle, segment.start + MIN_LENGTH), 3), text=left, words=first_words,
                    tokens=segment.tokens[:k], reviewed=False)
    second_start = second_words[0].start if second_words else middle
    second = replace(segment, start=round(min(max(second_start, first.end), segment.end - MIN_LENGTH), 3),
                     text=right, words=second_words, reviewed=False,
                     tokens=[Token(t.text, t.first - at, t.last - at) for t in segment.tokens[k:]])
    return first, second


def _word_boundary(text: str, offset: int) -> int:
    """The space nearest to `offset` (a cut never falls inside a word)."""
    offset = max(0, min(len(text), offset))
    if offset in (0, len(text)) or text[offset - 1].isspace() or text[offset].isspace():
        return offset
    left, right = text.rfind(" ", 0, offset), text.find(" ", offset)
    candidates = [c for c in (left, right) if c > 0]
    return min(candidates, key=lambda c: abs(c - offset)) if candidates else offset


def merged(first: Segment, second: Segment) -> Segment:
    """One segment from two neighbours: texts, words and token maps joined."""
    words = first.words + second.words
    edited = first.edited or second.edited
    tokens: list[Token] = []
    if first.tokens or second.tokens:
        tokens = [*_token_map(first), *(Token(t.text, t.first + len(first.words), t.last + len(first.words))
                                        for t in _token_map(second))]
    if edited and not (_mapped(first) and _mapped(second)):
        tokens = []
    return replace(first, end=max(first.end, second.end), text=f"{first.text} {second.text}".strip(), words=words,
                   tokens=tokens, reviewed=first.reviewed and second.reviewed, edited=edited)


def _mapped(segment: Segment) -> bool:
    return bool(segment.tokens) or not segment.edited


def _token_map(segment: Segment) -> list[Token]:
    """The segment's tokens; a segment whose text is its raw words gets one token a word."""
    if segment.tokens or segment.edited:
        return list(segment.tokens)
    return [Token(w.word, i, i) for i, w in enumerate(segment.words)]


def replaced(segment: Segment, find: str, new: str) -> Segment | None:
    """The segment with every `find` (any case) in its text replaced; None when there is none."""
    lower, needle = segment.text.lower(), find.lower()
    if not needle or needle not in lower:
        return None
    parts, at = [], 0
    while (hit := lower.find(needle, at)) >= 0:
        parts += [segment.text[at:hit], new]
        at = hit + len(needle)
    return text_segment(segment, "".join(parts) + segment.text[at:])
