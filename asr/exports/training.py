"""Training data from the reviews: a NeMo manifest of the reviewed segments with their audio cut into clips
(a zip), and a review report (share reviewed; word error rate of the machine words against the corrections)."""

from __future__ import annotations

import io
import json
import re

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.errors import RequestError
from asr.exports.common import make_zip, review_share, spoken
from asr.exports.options import ExportOptions
from asr.types import Segment, Transcript

MANIFEST = "manifest.json"
CLIP_FOLDER = "audio"
MIN_CLIP = 0.1  # seconds: shorter reviewed segments are left out (nothing to learn from)
_NOT_WORD = re.compile(r"[^\w\s'-]|_")  # punctuation; the models read lowercase words without it


def training_text(text: str) -> str:
    """The reviewer's text as the models write it: lowercase words without punctuation."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).replace(" - ", " ").split())


def _reference(segment: Segment) -> str:
    """What a reviewed segment says, as the models write it: the reviewer's edit, else its raw words (the readable
    form's digits and capitals are a rendering of those, which the reviewer accepted)."""
    return training_text(segment.text if segment.edited or not segment.words else segment.raw_text)


def _clip(samples: np.ndarray, segment: Segment) -> bytes:
    import soundfile as sf

    first, last = round(segment.start * SAMPLE_RATE), round(segment.end * SAMPLE_RATE)
    buf = io.BytesIO()
    sf.write(buf, samples[first:last], SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def to_manifest(transcript: Transcript, options: ExportOptions, samples: np.ndarray | None) -> bytes:
    """A zip of manifest.json (JSON lines: audio_filepath relative to the zip, duration, text) and audio/*.wav
    (16 kHz mono) for every reviewed segment; `samples` are the transcript's decoded audio."""
    if samples is None:
        raise RequestError("The training manifest needs the recording: export it where the audio is kept "
                           "(the app's saved transcripts or the command line).")
    clips = [s for s in spoken(transcript) if s.reviewed and _reference(s) and s.end - s.start >= MIN_CLIP
             and s.start * SAMPLE_RATE < samples.size]
    if not clips:
        raise RequestError("No segment is marked reviewed yet: the training manifest holds only reviewed segments.")
    members, lines = [], []
    for s in clips:
        name = f"{CLIP_FOLDER}/segment-{s.id:06d}.wav"
        data = _clip(samples, s)
        members.append((name, data))
        duration = round(min(s.end, samples.size / SAMPLE_RATE) - s.start, 3)
        lines.append(json.dumps({"audio_filepath": name, "duration": duration, "text": _reference(s),
                                 "text_display": " ".join(s.text.split())}, ensure_ascii=False))
    return make_zip([(MANIFEST, ("\n".join(lines) + "\n").encode("utf-8")), *members])


def word_errors(reference: list[str], hypothesis: list[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of the cheapest word alignment (Levenshtein)."""
    # each cell: (total, substitutions, deletions, insertions)
    row = [(j, 0, 0, j) for j in range(len(hypothesis) + 1)]
    for i, ref in enumerate(reference, start=1):
        new = [(i, 0, i, 0)]
        for j, hyp in enumerate(hypothesis, start=1):
            same = ref == hyp
            diag, up, left = row[j - 1], row[j], new[j - 1]
            new.append(min((diag[0] + (not same), diag[1] + (not same), diag[2], diag[3]),
                           (up[0] + 1, up[1], up[2] + 1, up[3]),
                           (left[0] + 1, left[1], left[2], left[3] + 1)))
        row = new
    return row[-1][1:]


def review_report(transcript: Transcript, options: ExportOptions) -> dict:
    """Share reviewed, and the machine words of the reviewed segments against their corrected text."""
    done, total, pct = review_share(transcript)
    subs = dels = ins = words = 0
    for s in spoken(transcript):
        if s.reviewed:
            reference = _reference(s).split()
            errors = word_errors(reference, training_text(s.raw_text).split())
            subs, dels, ins, words = subs + errors[0], dels + errors[1], ins + errors[2], words + len(reference)
    return {"file": transcript.info.audio.filename, "model": transcript.info.model.name,
            "segments": total, "reviewed": done, "reviewed_percent": pct,
            "reviewed_edited": sum(s.reviewed and s.edited for s in spoken(transcript)),
            "reference_words": words, "substitutions": subs, "deletions": dels, "insertions": ins,
            "wer": round((subs + dels + ins) / words, 4) if words else None}


def to_report(transcript: Transcript, options: ExportOptions) -> bytes:
    return (json.dumps(review_report(transcript, options), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
