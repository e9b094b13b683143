"""Re-aligning a segment from its span of the recording only (asr.audio.decode_span, asr.align.span_around), and
the speech a script lacks reported in the transcript and by the CLI (asr.script.speech_not_in_script)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from helpers import build_long_audio, load_truth

from asr.align import realign, span_around
from asr.audio import SAMPLE_RATE, decode_audio, decode_span
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.errors import RequestError
from asr.options import TranscribeOptions
from asr.pipeline import load_audio, transcribe
from asr.script import align_recording, speech_not_in_script
from asr.types import Transcript

FORMATS = sorted(p for p in AUDIO.iterdir() if p.suffix != ".json")
LOSSLESS = {".wav", ".flac"}
LOSSY_LAG = 16  # samples (1 ms): a span of a lossy file may sit this far from the whole decode (WebM counts in ms)
SPANS = [(0.0, 1.5), (3.2, 6.04), (7.5, 100.0)]  # seconds; the last runs past the end of every clip
MAX_REPORT_ERROR = 0.2  # seconds between a reported stretch of extra speech and the true one
RAW = TranscribeOptions(text="raw", speakers="off")


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model, "tiny-sl", "cpu")


def lag(span: np.ndarray, whole: np.ndarray, first: int) -> int:
    """The shift (samples) at which ``span`` best matches ``whole`` from ``first`` on."""
    inner = span[LOSSY_LAG : min(span.size, whole.size - first) - 2 * LOSSY_LAG]
    diffs = {k: np.abs(inner - whole[first + LOSSY_LAG + k : first + LOSSY_LAG + k + inner.size]).mean()
             for k in range(-LOSSY_LAG, LOSSY_LAG + 1)}
    return min(diffs, key=diffs.get)


@pytest.mark.parametrize("path", FORMATS, ids=lambda p: p.name)
def test_a_span_is_the_same_audio_as_the_whole_decode_there(path):
    whole = decode_audio(path)
    for start, end in SPANS:
        first, last = round(start * SAMPLE_RATE), min(round(end * SAMPLE_RATE), whole.size)
        span = decode_span(path, start, end)
        assert abs(span.size - (last - first)) <= (0 if path.suffix in LOSSLESS else LOSSY_LAG)
        if path.suffix in LOSSLESS:
            assert np.array_equal(span, whole[first:last])
        else:
            assert abs(lag(span, whole, first)) <= LOSSY_LAG // 2


def test_a_span_that_cannot_be_is_refused():
    with pytest.raises(RequestError, match="before it ends"):
        decode_span(AUDIO / "flac.flac", 3.0, 2.0)
    assert decode_span(AUDIO / "flac.flac", 500.0, 501.0).size == 0


@pytest.fixture(scope="module")
def recording(engine, tmp_path_factory):
    """(path, whole samples, raw transcript) of about 40 s of the clips in a FLAC file."""
    samples, _, _ = build_long_audio(40)
    path = tmp_path_factory.mktemp("long") / "long.flac"
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    audio = load_audio(path)
    return path, audio.samples, transcribe(LocalBackend(engine), audio, RAW)


def test_realigning_from_the_segments_span_equals_the_whole_recording(engine, recording):
    path, whole, transcript = recording
    n = len(transcript.segments)
    assert n >= 3, "the recording has a first, a middle and a last segment"
    for idx in (0, n // 2, n - 1):
        segment = transcript.segments[idx]
        text = " ".join(segment.text.split()[1:]).capitalize() + "."  # a word deleted, capitals, punctuation
        start, end = span_around(segment)
        span = decode_span(path, start, end)
        assert span.size < whole.size / 2
        assert realign(engine, span, transcript, idx, text, offset=start) == realign(engine, whole, transcript, idx,
                                                                                     text)


def test_the_speech_a_script_lacks_is_in_the_transcript(engine):
    clip = AUDIO / "wav16k_mono.wav"
    truth = load_truth(clip.with_suffix(".json"))["words"]
    kept = 5  # the script lacks the first words of what is said
    transcript = align_recording(LocalBackend(engine), clip, " ".join(w["word"] for w in truth[kept:]))
    said = (truth[0]["start"], truth[kept - 1]["end"])
    reported = speech_not_in_script(Transcript.from_dict(json.loads(json.dumps(transcript.to_dict()))))
    assert len(reported) == 1 and np.allclose(reported[0], said, atol=MAX_REPORT_ERROR), reported
    assert [w.word for w in transcript.words] == [w["word"] for w in truth[kept:]]


def test_the_cli_names_the_speech_not_in_the_script(tmp_path, tiny_model):
    clip = AUDIO / "wav16k_mono.wav"
    truth = load_truth(clip.with_suffix(".json"))["words"]
    script = tmp_path / "script.txt"
    script.write_text(" ".join(w["word"] for w in truth[5:]), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "asr", "align", str(clip), str(script), "--model", str(tiny_model),
                             "-f", "json", "-o", str(tmp_path / "out.json"), "--quiet"], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    (start, end), = data["options"]["speech_not_in_script"]
    assert f"speech not in the script at 00:{start:06.3f}–00:{end:06.3f}" in result.stderr
