"""Readable Slovenian text from raw recognised words: sentences, punctuation, capitals, numbers as digits.

`readable(text)` turns one raw lowercase passage into readable text. `make_readable(segments)` does the
same for timed segments: their raw `words` stay as they are, `text` becomes the readable form and
`tokens` map each display token to the raw words [first..last] it came from, so "2023" starts at "dva"
and ends at "triindvajset". Segments the reviewer edited are returned untouched. The pauses between the
words help find sentence ends. Runs on the CPU with numpy; no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from asr.text import capitals, punctuation
from asr.text.numbers import number_tokens
from asr.types import Segment, Token, Word


def render(words: Sequence[str], pauses: Sequence[float] | None = None,
           parts: Sequence[int] | None = None) -> list[Token]:
    """Display tokens for raw words (lowercase, as recognised); `pauses[i]` is the silence after words[i].

    `parts` are the lengths of consecutive runs of words (segments) that a number never spans.
    """
    if not words:
        return []
    lower = [w.lower() for w in words]
    marks = punctuation.load().predict(lower, pauses)
    tokens, start = [], True
    breaks = frozenset(i for i, mark in enumerate(marks) if mark != punctuation.NONE)
    for token in _number_tokens(lower, parts or [len(words)], breaks):
        text = _written(token, words)
        if start:
            text = capitals.sentence_start(text)
        mark = marks[token.last]
        if not (text.endswith(".") and punctuation.MARKS[mark] == "."):
            text += punctuation.MARKS[mark]
        tokens.append(Token(text, token.first, token.last))
        start = mark in (punctuation.PERIOD, punctuation.QUESTION)
    return tokens


def _written(token: Token, words: Sequence[str]) -> str:
    """A token's text before sentence capitals: the recogniser's own capitals kept (a model.info remap rule),
    else the capitals lexicon's form; numbers as they are."""
    raw = words[token.first]
    if token.first != token.last or token.text != raw.lower():
        return token.text
    return raw if raw != token.text else capitals.proper(token.text)


def _number_tokens(words: list[str], parts: Sequence[int], breaks: frozenset[int]) -> list[Token]:
    tokens, offset = [], 0
    for length in parts:
        mine = frozenset(b - offset for b in breaks if offset <= b < offset + length)
        part = number_tokens(words[offset:offset + length], mine)
        tokens += [Token(t.text, t.first + offset, t.last + offset) for t in part]
        offset += length
    return tokens


def readable(text: str) -> str:
    """One raw passage ("dober dan danes je petega maja") -> readable text ("Dober dan, danes je 5. maja.")."""
    return " ".join(t.text for t in render(text.split()))


def make_readable(segments: Sequence[Segment]) -> list[Segment]:
    """The segments with readable `text` and `tokens`; edited or wordless segments are returned as they are.

    The unedited segments are read as one stream (a sentence may go on in the next segment); a number never
    joins words of two segments, and the stream's last word ends a sentence.
    """
    todo = [s for s in segments if s.words and not s.edited]
    words = [w for s in todo for w in s.words]
    if not words:
        return list(segments)
    tokens = render([w.word for w in words], _pauses(words), [len(s.words) for s in todo])
    done, offset = {}, 0
    for s in todo:
        end = offset + len(s.words)
        mine = [Token(t.text, t.first - offset, t.last - offset) for t in tokens if offset <= t.first < end]
        done[id(s)] = replace(s, text=" ".join(t.text for t in mine), tokens=mine)
        offset = end
    return [done.get(id(s), s) for s in segments]


def _pauses(words: Sequence[Word]) -> list[float]:
    """The silence after each word (seconds); after the last word it is unknown (0)."""
    return [max(0.0, b.start - a.end) for a, b in zip(words, words[1:], strict=False)] + [0.0]
