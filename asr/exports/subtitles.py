"""Subtitles from the timed words: cues that keep a preset's numbers, broken at natural places; SRT and WebVTT.

A cue grows word by word while its text still fits the preset's lines and its time the longest cue; when the
next word does not fit, the cue is cut at the best place inside it (after a sentence or clause, before a
conjunction, in a pause; never right after a preposition), and the rest starts the next cue. A speaker change
or a long pause always starts a new cue. Each cue then stays on screen long enough to be read (at most
the preset's characters per second, at least its shortest cue), but never into the next cue's gap.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from functools import lru_cache

from asr.exports.common import TimedToken, format_timestamp, spoken, timed_tokens
from asr.exports.options import ExportOptions, SubtitlePreset
from asr.types import Transcript

# Slovenian prepositions: a line or cue never ends on one (it belongs to the word after it)
PREPOSITIONS = frozenset(
    "v s z k h o na za pri po od do iz ob pred nad pod med brez čez proti skozi zaradi razen mimo okoli okrog "
    "glede prek preko kljub blizu sredi vzdolž namesto".split())
# conjunctions a new line or cue may start with
CONJUNCTIONS = frozenset(
    "in ter pa ali a ampak vendar toda temveč marveč da ker ko če ki kot saj zato torej oziroma niti kajti "
    "čeprav dokler medtem preden".split())
SENTENCE_END = ".?!…"
CLAUSE_END = ",;:–—"
# how much each kind of break place is worth (a whole sentence beats a clause beats a conjunction)
SENTENCE_BONUS, CLAUSE_BONUS, CONJUNCTION_BONUS = 3.0, 2.0, 1.5
PAUSE_BONUS = 3.0  # per second of silence at the break, counted up to MAX_PAUSE_BONUS_S
MAX_PAUSE_BONUS_S = 1.0
FORBIDDEN = -math.inf
UNREADABLE_PENALTY = 10.0  # a cue cut so that it cannot stay long enough to be read: only when nothing else fits
BARE_CACHE = 4096  # distinct words whose bare form is remembered
MIN_CUE = 0.04  # seconds: a cue squeezed by the next one is still this long


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    speaker: str | None


def cue_text(text: str) -> str:
    """A reviewer's text made safe for one subtitle cue: no blank line ends it early, no `-->` reads as timing."""
    return " ".join(text.split()).replace("-->", "\u2192")


@lru_cache(maxsize=BARE_CACHE)
def _bare(text: str) -> str:
    return text.strip("\"'»«„“”()[]").lower()


def break_score(before: str, after: str) -> float:
    """How good a line or cue break is between the words `before` and `after`."""
    if before[-1:] in SENTENCE_END:
        return SENTENCE_BONUS
    if before[-1:] in CLAUSE_END:
        return CLAUSE_BONUS
    if _bare(before) in PREPOSITIONS:
        return FORBIDDEN
    return CONJUNCTION_BONUS if _bare(after) in CONJUNCTIONS else 0.0


def layout(words: list[str], preset: SubtitlePreset) -> tuple[str, ...] | None:
    """The words as at most the preset's lines of its characters, broken at the best place; None if they do not fit."""
    one = " ".join(words)
    if len(one) <= preset.max_chars or len(words) == 1:
        return (one,)
    if preset.max_lines < 2:
        return None
    best, best_score = None, FORBIDDEN
    head = -1
    for i in range(1, len(words)):
        head += len(words[i - 1]) + 1
        tail = len(one) - head - 1
        if head > preset.max_chars or tail > preset.max_chars:
            continue
        score = break_score(words[i - 1], words[i]) - abs(head - tail) / preset.max_chars
        if score > best_score:
            best, best_score = i, score
    return None if best is None else (" ".join(words[:best]), " ".join(words[best:]))


def _chars(tokens: list[TimedToken]) -> int:
    """Characters of the tokens on one line."""
    return sum(len(t.text) for t in tokens) + len(tokens) - 1


def _fits(tokens: list[TimedToken], preset: SubtitlePreset, chars: int | None = None) -> bool:
    """Whether the tokens (`chars` long on one line, when known) make one cue."""
    if tokens[-1].end - tokens[0].start > preset.max_duration:
        return False
    chars = _chars(tokens) if chars is None else chars
    if chars <= preset.max_chars or len(tokens) == 1:
        return True
    if chars > preset.max_lines * (preset.max_chars + 1) - 1 or preset.max_lines < 2:
        return False
    return _splittable(tokens, chars, preset)


def _splittable(tokens: list[TimedToken], chars: int, preset: SubtitlePreset) -> bool:
    """Whether the tokens (`chars` long on one line) break into two lines that fit, at an allowed place."""
    head = -1
    for i in range(1, len(tokens)):
        head += len(tokens[i - 1].text) + 1
        if head > preset.max_chars:
            return False
        if chars - head - 1 <= preset.max_chars and break_score(tokens[i - 1].text, tokens[i].text) > FORBIDDEN:
            return True
    return False


def _readable(tokens: list[TimedToken], next_start: float, preset: SubtitlePreset, chars: int | None = None) -> bool:
    """Whether a cue of `tokens` can stay long enough to be read before the next cue starts at `next_start`."""
    room = min(next_start - preset.min_gap, tokens[0].start + preset.max_duration) - tokens[0].start
    chars = _chars(tokens) if chars is None else chars
    return room >= preset.min_duration and chars <= preset.max_cps * room


def _split(tokens: list[TimedToken], preset: SubtitlePreset) -> int:
    """Where to cut tokens that do not fit one cue: the best break whose head fits (≥ 1)."""
    best, best_score = 1, FORBIDDEN
    chars = 0
    for k in range(1, len(tokens)):
        chars += len(tokens[k - 1].text) + 1
        head = tokens[:k]
        if not _fits(head, preset, chars - 1):
            break
        pause = min(tokens[k].start - tokens[k - 1].end, MAX_PAUSE_BONUS_S)
        fullness = chars / (preset.max_chars * preset.max_lines)
        score = break_score(tokens[k - 1].text, tokens[k].text) + PAUSE_BONUS * max(pause, 0.0) + fullness
        if not _readable(head, tokens[k].start, preset, chars - 1):
            score -= UNREADABLE_PENALTY
        if score >= best_score:
            best, best_score = k, score
    return best


def _hard_break(before: TimedToken, after: TimedToken, preset: SubtitlePreset) -> bool:
    """A new speaker, or a long pause that does not follow a preposition, always starts a new cue."""
    if after.speaker != before.speaker:
        return True
    return after.start - before.end >= preset.hard_pause and _bare(before.text) not in PREPOSITIONS


def _merged(groups: list[list[TimedToken]], preset: SubtitlePreset) -> list[list[TimedToken]]:
    """Cues too short to be read joined to the cue before or after them (same speaker) where the two fit one."""
    out: list[list[TimedToken]] = []
    for i, group in enumerate(groups):
        next_start = groups[i + 1][0].start if i + 1 < len(groups) else math.inf
        if out and not _readable(group, next_start, preset) and out[-1][-1].speaker == group[0].speaker \
                and _fits(out[-1] + group, preset):
            out[-1] = out[-1] + group
        elif out and not _readable(out[-1], group[0].start, preset) and out[-1][-1].speaker == group[0].speaker \
                and _fits(out[-1] + group, preset):
            out[-1] = out[-1] + group
        else:
            out.append(group)
    return out


def _groups(tokens: list[TimedToken], preset: SubtitlePreset) -> list[list[TimedToken]]:
    """The tokens grouped into cues (each group fits, unless one token alone is too long)."""
    groups: list[list[TimedToken]] = []
    current: list[TimedToken] = []
    chars = -1  # of current on one line
    for token in tokens:
        if current and _hard_break(current[-1], token, preset):
            groups.append(current)
            current, chars = [], -1
        current.append(token)
        chars += len(token.text) + 1
        while len(current) > 1 and not _fits(current, preset, chars):
            cut = _split(current, preset)
            groups.append(current[:cut])
            current = current[cut:]
            chars = _chars(current)
    if current:
        groups.append(current)
    return _merged(groups, preset)


def _timed(groups: list[list[TimedToken]], preset: SubtitlePreset) -> list[Cue]:
    """Cues with reading time: long enough to read, never into the next cue's gap nor past the longest cue."""
    cues = []
    for i, group in enumerate(groups):
        lines = layout([cue_text(t.text) for t in group], preset) or (cue_text(" ".join(t.text for t in group)),)
        start = group[0].start
        chars = sum(len(line) for line in lines)
        end = max(group[-1].end, start + preset.min_duration, start + chars / preset.max_cps)
        end = min(end, start + preset.max_duration)
        if i + 1 < len(groups):
            end = min(end, groups[i + 1][0].start - preset.min_gap)
        cues.append(Cue(round(start, 3), round(max(end, start + MIN_CUE), 3), lines, group[0].speaker))
    return cues


def subtitle_cues(transcript: Transcript, preset: SubtitlePreset) -> list[Cue]:
    """The transcript's cues under `preset`, in time order."""
    tokens = [t for s in spoken(transcript) for t in timed_tokens(s)]
    return _timed(_groups(tokens, preset), preset)


def to_srt(transcript: Transcript, options: ExportOptions) -> bytes:
    blocks = [f"{i}\n{format_timestamp(c.start, ',')} --> {format_timestamp(c.end, ',')}\n" + "\n".join(c.lines) + "\n"
              for i, c in enumerate(subtitle_cues(transcript, options.preset), start=1)]
    return "\n".join(blocks).encode("utf-8")


def _voice(cue: Cue) -> str:
    lines = [html.escape(line, quote=False) for line in cue.lines]
    if cue.speaker:
        name = " ".join(cue.speaker.replace(">", " ").split())
        lines[0] = f"<v {html.escape(name, quote=False)}>{lines[0]}"
    return "\n".join(lines)


def to_vtt(transcript: Transcript, options: ExportOptions) -> bytes:
    cues = [f"{format_timestamp(c.start)} --> {format_timestamp(c.end)}\n{_voice(c)}\n"
            for c in subtitle_cues(transcript, options.preset)]
    return "\n".join(["WEBVTT\n", *cues]).encode("utf-8")
