"""A whole known script (a broadcast script, a read statement) aligned to its long recording.

The recording is recognised first (asr.pipeline); runs of ANCHOR_WORDS recognised words that match the script's
spoken words anchor it. The recording is cut between two anchored words about every PIECE_SECONDS (at the longest
pause in the next PIECE_SEARCH seconds), and each piece of audio is aligned to the script words between its cuts
(asr.align.align_span). So no Viterbi runs over more than a piece, and a paragraph missing from the script (speech
the wildcard absorbs) or one that is not in the recording (words left unaligned) stays inside its piece.

The speech the script lacks is reported: each stretch of it (at least MIN_EXTRA_SPEECH long) is recorded in the
transcript's options as ``speech_not_in_script`` ([start, end] seconds), so a reviewer knows where to look.
"""

from __future__ import annotations

import bisect
import difflib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from asr.align import Model, align_span, alphabet, display_tokens
from asr.audio import SAMPLE_RATE, AudioSource
from asr.backends import Backend, Progress, no_progress
from asr.errors import ConfigError, RequestError
from asr.options import TranscribeOptions
from asr.pipeline import Audio, load_audio, transcribe
from asr.spoken import SpokenToken, spoken_tokens
from asr.types import Segment, Transcript, TranscriptionInfo, Word

ANCHOR_WORDS = 3  # recognised words in a row that match the script make an anchor
PIECE_SECONDS = 20.0  # a long recording is aligned in pieces of about this length
PIECE_SEARCH = 10.0  # seconds after PIECE_SECONDS in which the cut takes the longest pause between anchored words
PARAGRAPH_BREAK = "\n\n"
MIN_EXTRA_SPEECH = 0.5  # seconds; a shorter stretch of speech not in the script (a clipped sound) is not reported
EXTRA_KEY = "speech_not_in_script"  # the transcript option that lists it


@dataclass
class ScriptAlignment:
    """A script's segments with aligned words, and the spans (seconds) of speech heard that it does not have."""

    segments: list[Segment]
    extra: list[tuple[float, float]]


@dataclass(frozen=True)
class Cut:
    word: int  # index of the first script word after the cut
    time: float  # seconds


def align_recording(backend: Backend, source: AudioSource | Audio, script: str,
                    options: TranscribeOptions = TranscribeOptions(), progress: Progress = no_progress,
                    filename: str | None = None) -> Transcript:
    """The script's words with the times they are said in the recording (recognised first, to anchor them)."""
    model = getattr(backend, "engine", None)
    if model is None:
        raise ConfigError("Aligning a script needs the model on this machine (RunPod does not return the model's "
                          "frame posteriors): use TRANSCRIPTION_PROVIDER=local.")
    if not script.strip():
        raise RequestError("The script is empty: give the text that is said in the recording.")
    started = time.perf_counter()
    audio = source if isinstance(source, Audio) else load_audio(source, options.limits, filename)
    recognised = transcribe(backend, audio, options, lambda f, m: progress(0.8 * f, m)).words
    progress(0.8, "aligning the script")
    aligned = align_script(model, audio.samples, script, recognised, options)
    progress(1.0, "done")
    extra = [[start, end] for start, end in aligned.extra]
    info = TranscriptionInfo.of(audio.info, backend.info, {**options.to_dict(), "script": True, EXTRA_KEY: extra})
    return Transcript(aligned.segments, info, round(time.perf_counter() - started, 3))


def speech_not_in_script(transcript: Transcript) -> list[tuple[float, float]]:
    """The spans (seconds) of speech in the recording that its script did not have (none for a transcription)."""
    return [(float(start), float(end)) for start, end in transcript.info.options.get(EXTRA_KEY) or []]


def align_script(model: Model, samples, script: str, recognised: Sequence[Word],
                 options: TranscribeOptions = TranscribeOptions()) -> ScriptAlignment:
    """Segments of the script (paragraphs, split at pauses and at options.max_segment) with aligned words, and
    where the recording has speech that the script does not."""
    letters = alphabet(model)
    paragraphs = [spoken_tokens(p, letters) for p in script.replace("\r\n", "\n").split(PARAGRAPH_BREAK)]
    paragraphs = [p for p in paragraphs if p]
    words = [w for p in paragraphs for t in p for w in t.words]
    duration = samples.size / SAMPLE_RATE
    cuts = [Cut(0, 0.0), *anchor_cuts(words, recognised), Cut(len(words), duration)]
    aligned: list[Word] = []
    extra: list[tuple[float, float]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if b.time > a.time:
            found, heard = align_span(model, samples, words[a.word : b.word], a.time, b.time)
            aligned += found
            extra += heard
        else:  # nothing left to hear these words in
            aligned += [Word(w, a.time, a.time, 0.0, aligned=False) for w in words[a.word : b.word]]
    return ScriptAlignment(_segments(paragraphs, aligned, options), _reported(extra, aligned))


def _reported(extra: list[tuple[float, float]], words: list[Word]) -> list[tuple[float, float]]:
    """The stretches of extra speech a reviewer is told about: those with no aligned word between them joined
    (a missing paragraph may span a cut), then those shorter than MIN_EXTRA_SPEECH dropped."""
    starts = sorted(w.start for w in words if w.aligned)
    joined: list[tuple[float, float]] = []
    for start, end in sorted(extra):
        if joined and bisect.bisect_left(starts, joined[-1][1]) == bisect.bisect_left(starts, start):
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return [(start, end) for start, end in joined if end - start >= MIN_EXTRA_SPEECH]


def anchor_cuts(words: Sequence[str], recognised: Sequence[Word]) -> list[Cut]:
    """Where to cut: between two consecutive anchored words, about every PIECE_SECONDS, in a pause if there is one."""
    matcher = difflib.SequenceMatcher(a=list(words), b=[w.word for w in recognised], autojunk=False)
    candidates = []  # (time, pause, first word after)
    for block in matcher.get_matching_blocks():
        if block.size < ANCHOR_WORDS:
            continue
        for k in range(block.size - 1):
            before, after = recognised[block.b + k], recognised[block.b + k + 1]
            candidates.append(((before.end + after.start) / 2, after.start - before.end, block.a + k + 1))
    cuts: list[Cut] = []
    last = 0.0
    while True:
        due = [c for c in candidates if c[0] >= last + PIECE_SECONDS]
        if not due:
            return cuts
        window = [c for c in due if c[0] <= due[0][0] + PIECE_SEARCH]
        time_, _, word = max(window, key=lambda c: c[1])
        cuts.append(Cut(word, time_))
        last = time_


def _segments(paragraphs: list[list[SpokenToken]], words: list[Word], options: TranscribeOptions) -> list[Segment]:
    """Group the display tokens into segments: a paragraph starts one, so does a pause of options.segment_pause
    or a segment reaching options.max_segment; each segment's tokens point into its own words."""
    groups: list[list[tuple[SpokenToken, list[Word]]]] = []
    n = 0
    for paragraph in paragraphs:
        current: list[tuple[SpokenToken, list[Word]]] = []
        groups.append(current)
        for token in paragraph:
            own = words[n : n + len(token.words)]
            n += len(token.words)
            if own and current and _breaks(current, own[0], options):
                current = []
                groups.append(current)
            current.append((token, own))
    segments = []
    for group in (g for g in groups if any(ws for _, ws in g)):
        seg_words = [w for _, ws in group for w in ws]
        text = " ".join(t.text for t, _ in group)
        segments.append(Segment(len(segments), min(w.start for w in seg_words), max(w.end for w in seg_words),
                                text, seg_words, tokens=display_tokens([t for t, _ in group])))
    return segments


def _breaks(current: list[tuple[SpokenToken, list[Word]]], word: Word, options: TranscribeOptions) -> bool:
    heard = [w for _, ws in current for w in ws]
    if not heard:
        return False
    return word.start - heard[-1].end >= options.segment_pause or word.end - heard[0].start > options.max_segment
