"""Each writer against an exact expected file; JSON round-trips; DOCX content is readable."""

import io
import json
from pathlib import Path

import pytest

from asr.errors import RequestError
from asr.exports import FORMATS, export, format_timestamp
from asr.types import AudioInfo, ModelInfo, Segment, Transcript, TranscriptionInfo, Word

EXPECTED = Path(__file__).parent / "fixtures" / "exports"


def sample_transcript() -> Transcript:
    first = Segment.from_words(0, [Word("dober", 0.48, 0.8, 0.97), Word("dan", 0.84, 1.1, 0.9),
                                   Word("gospa", 1.15, 1.4, 0.61), Word("novak", 1.42, 1.75, 0.42)])
    edited = Segment(1, 3661.5, 3662.042, "živjo, svet", [Word("živio", 3661.5, 3662.042, 0.3)], reviewed=True)
    silent = Segment(2, 3700.0, 3701.0, "  ", [])
    info = TranscriptionInfo(AudioInfo("intervju.mp3", 3725.25, "ab"), ModelInfo("rsdo-2.0", "cd"), "local-cpu",
                             "cpu", "fp32", {"max_chunk": 20.0})
    return Transcript([first, edited, silent], info, processing_time=12.4)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_matches_expected_bytes(fmt):
    assert export(sample_transcript(), fmt) == (EXPECTED / f"expected.{fmt}").read_bytes()


def test_vtt_has_header_and_srt_uses_commas():
    assert export(sample_transcript(), "vtt").startswith(b"WEBVTT\n\n")
    assert b"00:00:00,480 --> 00:00:01,750" in export(sample_transcript(), "srt")


def test_json_round_trips_and_follows_schema():
    data = json.loads(export(sample_transcript(), "json"))
    assert data["version"] == 1
    assert data["text"] == "dober dan gospa novak živjo, svet"
    assert data["segments"][1] == {"id": 1, "start": 3661.5, "end": 3662.042, "text": "živjo, svet",
                                   "words": [{"word": "živio", "start": 3661.5, "end": 3662.042, "confidence": 0.3}],
                                   "reviewed": True}
    assert (data["backend"], data["device"], data["precision"]) == ("local-cpu", "cpu", "fp32")
    assert Transcript.from_dict(data) == sample_transcript()


def test_docx_content():
    from docx import Document

    doc = Document(io.BytesIO(export(sample_transcript(), "docx")))
    texts = [p.text for p in doc.paragraphs]
    assert texts == ["intervju.mp3", "Model: rsdo-2.0 · Duration: 01:02:05.250",
                     "[00:00:00.480] dober dan gospa novak", "[01:01:01.500] živjo, svet"]
    assert doc.paragraphs[2].runs[0].bold


def test_format_timestamp_rounds_to_milliseconds():
    assert format_timestamp(0) == "00:00:00.000"
    assert format_timestamp(59.9996) == "00:01:00.000"
    assert format_timestamp(3600 * 10 + 1.0004, ",") == "10:00:01,000"
    assert format_timestamp(-0.2) == "00:00:00.000"


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_reviewer_text_cannot_break_a_cue(fmt):
    import srt
    import webvtt

    transcript = sample_transcript()
    transcript.segments[0].text = "prvi --> del\n\n2\n00:00:09,000 --> 00:00:10,000\nvrinjeno"
    text = export(transcript, fmt).decode("utf-8")
    if fmt == "srt":
        cues = [(srt.timedelta_to_srt_timestamp(c.start).replace(",", "."), c.content) for c in srt.parse(text)]
    else:
        cues = [(c.start, c.text) for c in webvtt.from_string(text)]
    assert [start for start, _ in cues] == ["00:00:00.480", "01:01:01.500"]
    assert cues[0][1] == "prvi \u2192 del 2 00:00:09,000 \u2192 00:00:10,000 vrinjeno"


def test_unknown_format_names_the_choices():
    with pytest.raises(RequestError, match="txt, srt, vtt, json, docx"):
        export(sample_transcript(), "pdf")
