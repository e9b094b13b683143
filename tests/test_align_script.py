"""asr.script: a ≥ 10-minute script aligned to its recording, also with a paragraph missing and one too many.

The recording is the committed clips laid end to end (tests/test_pipeline.build_long_audio); each clip is one
paragraph of the script, written as a person would (capitals, a full stop).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import load_truth
from test_pipeline import CLIPS, build_long_audio

from asr.audio import SAMPLE_RATE
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.pipeline import Audio, transcribe
from asr.script import align_script
from asr.types import AudioInfo, Word

MAX_START_ERROR = 0.2  # seconds, every word
UNSAID = "računalnik hrana potovanje temperature zdravilo poveljnik knjigi globoko mladih prepričan".split()


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model, "tiny-sl", "cpu")


@pytest.fixture(scope="module")
def recording(engine):
    """(samples, paragraphs of true words, the recognised words) of ≥ 10 minutes of the clips."""
    samples, truth_words, placements = build_long_audio(600)
    paragraphs, i = [], 0
    for clip, _ in placements:
        n = len(load_truth(CLIPS[clip].with_suffix(".json"))["words"])
        paragraphs.append(truth_words[i : i + n])
        i += n
    assert i == len(truth_words) and samples.size >= 600 * SAMPLE_RATE
    audio = Audio(samples, AudioInfo("long.flac", samples.size / SAMPLE_RATE))
    return samples, paragraphs, transcribe(LocalBackend(engine), audio).words


def written(paragraph: list[Word]) -> str:
    return " ".join(w.word for w in paragraph).capitalize() + "."


def start_errors(said: list[Word], aligned: list[Word]) -> np.ndarray:
    assert [w.word for w in aligned] == [w.word for w in said]
    return np.array([abs(a.start - t.start) for t, a in zip(said, aligned, strict=True)])


def test_a_ten_minute_script_gets_every_word_within_a_fifth_of_a_second(engine, recording):
    samples, paragraphs, recognised = recording
    aligned = align_script(engine, samples, "\n\n".join(written(p) for p in paragraphs), recognised)
    segments = aligned.segments
    errors = start_errors([w for p in paragraphs for w in p], [w for s in segments for w in s.words])
    print(f"{len(paragraphs)} paragraphs, {errors.size} words: start error mean {errors.mean() * 1000:.1f} ms, "
          f"max {errors.max() * 1000:.0f} ms")
    assert errors.max() <= MAX_START_ERROR
    assert " ".join(s.text for s in segments).split() == " ".join(written(p) for p in paragraphs).split()


def test_a_missing_and_an_extra_paragraph_do_not_derail_the_rest(engine, recording):
    samples, paragraphs, recognised = recording
    gone = len(paragraphs) // 3
    kept = paragraphs[:gone] + paragraphs[gone + 1 :]
    extra_at = 2 * len(kept) // 3
    texts = [written(p) for p in kept]
    texts.insert(extra_at, " ".join(UNSAID).capitalize() + ".")
    aligned = align_script(engine, samples, "\n\n".join(texts), recognised)
    words = [w for s in aligned.segments for w in s.words]
    extra = [w for w in words if w.word in UNSAID]
    said = [w for w in words if w.word not in UNSAID]
    errors = start_errors([w for p in kept for w in p], said)
    missing = (paragraphs[gone][0].start, paragraphs[gone][-1].end)
    inside = [w for w in words if w.aligned and missing[0] < w.start < missing[1]]
    print(f"paragraph {gone} missing, an extra one at {extra_at}: start error mean {errors.mean() * 1000:.1f} ms, "
          f"max {errors.max() * 1000:.0f} ms; extra words not heard: {sum(not w.aligned for w in extra)}/{len(extra)}")
    assert errors.max() <= MAX_START_ERROR
    assert len(extra) == len(UNSAID) and sum(not w.aligned for w in extra) >= 0.8 * len(UNSAID)
    assert inside == [], "no script word is placed in the speech the script does not have"
    assert len(aligned.extra) == 1 and np.allclose(aligned.extra[0], missing, atol=MAX_START_ERROR), \
        f"the missing paragraph's speech is reported, and nothing else: {aligned.extra}"
