"""Each writer against an exact expected file, and each format opened by an independent reader with content
checks: pysubs2 / srt / webvtt-py (subtitles), python-docx, pympi (ELAN), praatio (TextGrid), csv, NeMo's
manifest reader (training zip)."""

import csv
import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from helpers import subtitle_rule_breaks

from asr.audio import SAMPLE_RATE
from asr.errors import RequestError
from asr.exports import FORMATS, ExportOptions, export, extension, format_date, format_timestamp
from asr.exports.options import PRESETS
from asr.exports.subtitles import CONJUNCTIONS, PREPOSITIONS, layout
from asr.types import AudioInfo, ModelInfo, Segment, Token, Transcript, TranscriptionInfo, Word

EXPECTED = Path(__file__).parent / "fixtures" / "exports"
# (format, options) -> expected file: the simple formats, byte for byte
EXACT = {
    ("txt", "{}"): "expected.txt",
    ("txt", '{"txt": "timed"}'): "expected-timed.txt",
    ("srt", "{}"): "expected.srt",
    ("vtt", "{}"): "expected.vtt",
    ("json", "{}"): "expected.json",
    ("csv", "{}"): "expected.csv",
    ("csv", '{"csv": "words"}'): "expected-words.csv",
    ("eaf", '{"words_tier": true}'): "expected.eaf",
    ("textgrid", "{}"): "expected.TextGrid",
    ("report", "{}"): "expected.review.json",
}
INFO = TranscriptionInfo(AudioInfo("intervju.mp3", 3725.25, "ab"), ModelInfo("rsdo-2.0", "cd"), "local-cpu",
                         "cpu", "fp32", {"max_chunk": 20.0})


def sample_transcript() -> Transcript:
    first = Segment.from_words(0, [Word("dober", 0.48, 0.8, 0.97), Word("dan", 0.84, 1.1, 0.9),
                                   Word("gospa", 1.15, 1.4, 0.61), Word("novak", 1.42, 1.75, 0.42)])
    edited = Segment(1, 3661.5, 3662.042, "živjo, svet", [Word("živio", 3661.5, 3662.042, 0.3)], reviewed=True,
                     edited=True)
    silent = Segment(2, 3700.0, 3701.0, "  ", [])
    return Transcript([first, edited, silent], INFO, processing_time=12.4)


def speakers_transcript() -> Transcript:
    """Two speakers; the first segment in readable form (tokens map to raw words), one word uncertain."""
    words = [Word("dober", 0.5, 0.8, 0.97), Word("dan", 0.85, 1.1, 0.9), Word("gospa", 1.2, 1.5, 0.95),
             Word("novak", 1.55, 1.9, 0.3)]
    readable = Segment(0, 0.5, 1.9, "Dober dan, gospa Novak.", words, speaker="Voditelj",
                       tokens=[Token("Dober", 0, 0), Token("dan,", 1, 1), Token("gospa", 2, 2), Token("Novak.", 3, 3)])
    answer = Segment.from_words(1, [Word("hvala", 2.6, 3.0, 0.9), Word("za", 3.05, 3.2, 0.9),
                                    Word("povabilo", 3.25, 3.9, 0.8)], speaker="Gost")
    answer.reviewed = True
    return Transcript([readable, answer], INFO)


@pytest.mark.parametrize(("fmt", "options"), EXACT)
def test_export_matches_expected_bytes(fmt, options):
    expected = (EXPECTED / EXACT[(fmt, options)]).read_bytes()
    assert export(sample_transcript(), fmt, ExportOptions.from_dict(json.loads(options))) == expected


def test_every_format_is_named_and_case_insensitive():
    assert set(FORMATS) == {"txt", "srt", "vtt", "json", "docx", "eaf", "textgrid", "csv", "manifest", "report"}
    assert extension("TextGrid") == "TextGrid" and extension("MANIFEST") == "manifest.zip"
    assert export(sample_transcript(), "SRT") == export(sample_transcript(), "srt")


def test_timed_txt_names_speakers_only_when_known():
    text = export(speakers_transcript(), "txt", ExportOptions(txt="timed")).decode("utf-8")
    assert text == "[00:00:00.500] Voditelj: Dober dan, gospa Novak.\n[00:00:02.600] Gost: hvala za povabilo\n"
    assert "Voditelj" not in export(speakers_transcript(), "txt").decode("utf-8")


def test_json_round_trips_and_follows_schema():
    data = json.loads(export(sample_transcript(), "json"))
    assert data["version"] == 1
    assert data["text"] == "dober dan gospa novak živjo, svet"
    assert data["segments"][1]["text"] == "živjo, svet" and data["segments"][1]["edited"] is True
    assert (data["backend"], data["device"], data["precision"]) == ("local-cpu", "cpu", "fp32")
    assert Transcript.from_dict(data) == sample_transcript()


def test_format_timestamp_rounds_to_milliseconds():
    assert format_timestamp(0) == "00:00:00.000"
    assert format_timestamp(59.9996) == "00:01:00.000"
    assert format_timestamp(3600 * 10 + 1.0004, ",") == "10:00:01,000"
    assert format_timestamp(-0.2) == "00:00:00.000"


# ---- subtitles --------------------------------------------------------------------------------------------

VOCABULARY = ("danes smo govorili o tem kako bo vlada ukrepala glede cen energije ministrica je dejala "
              "da se bodo podjetja prilagodila novim razmeram prebivalci mesta pa opozarjajo na visoke "
              "stroške ogrevanja zato zahtevajo pomoč pri plačilu računov za elektriko").split()


def long_transcript(n_segments: int = 300, seed: int = 3) -> Transcript:
    """Segments of speech at 11–19 characters a second, with commas and full stops, two speakers taking turns
    and pauses of 0.2–2 s: what a long interview gives (a turn does not end on a preposition)."""
    rng = random.Random(seed)
    segments, t = [], 0.0
    for i in range(n_segments):
        words = []
        for k in range(rng.randint(3, 30)):
            text = rng.choice(VOCABULARY) + ("," if rng.random() < 0.08 else "") + (
                "." if rng.random() < 0.06 else "")
            seconds = len(text) / rng.uniform(11, 19)
            words.append(Word(text, round(t, 3), round(t + seconds, 3), rng.uniform(0.2, 1)))
            t += seconds + (0.05 if k % 5 else 0.25)
        if words[-1].word in PREPOSITIONS:
            words[-1].word = "danes."
        segments.append(Segment.from_words(i, words, speaker=f"Govorec {1 + (i // 4) % 2}"))
        t += rng.choice([0.2, 0.7, 1.2, 2.0])
    return Transcript(segments, INFO)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_subtitles_keep_the_preset_rules_and_every_word(preset):
    import pysubs2

    transcript = long_transcript()
    text = export(transcript, "srt", ExportOptions(subtitles=preset)).decode("utf-8")
    breaks = subtitle_rule_breaks(text, PRESETS[preset])
    events = pysubs2.SSAFile.from_string(text).events
    short = [b for b in breaks if "lasts" in b]
    assert [b for b in breaks if b not in short] == []
    assert len(short) <= len(events) // 100  # a word squeezed between two speakers cannot always last a second
    shown = " ".join(e.plaintext.replace("\n", " ") for e in events).split()
    assert shown == [w.word for w in transcript.words]
    starts = [e.start for e in events]
    assert starts == sorted(starts) and len(events) > len(transcript.segments)


def test_a_speaker_change_starts_a_new_cue_and_vtt_names_the_voice():
    import webvtt

    cues = webvtt.from_string(export(speakers_transcript(), "vtt").decode("utf-8"))
    assert [(c.voice, c.text, c.start) for c in cues] == [("Voditelj", "Dober dan, gospa Novak.", "00:00:00.500"),
                                                          ("Gost", "hvala za povabilo", "00:00:02.600")]
    assert cues[0].end == "00:00:01.900"  # extended to 1.4 s for 23 characters at 20 characters/s is not needed


def test_cues_break_after_punctuation_not_after_a_preposition():
    preset = PRESETS["streaming"]
    assert layout("danes smo govorili o tem, kako bo vlada ukrepala glede cen energije".split(), preset) == (
        "danes smo govorili o tem,", "kako bo vlada ukrepala glede cen energije")
    words = "prebivalci mesta opozarjajo zaradi visokih stroškov ogrevanja v večjih mestih".split()
    lines = layout(words, preset)
    assert lines is not None and all(line.split()[-1] not in PREPOSITIONS for line in lines)
    assert {"v", "na", "za", "pri", "iz"} <= PREPOSITIONS and {"in", "ker", "da"} <= CONJUNCTIONS


def test_readable_text_keeps_its_raw_word_times_and_edits_spread_over_the_segment():
    import srt

    transcript = speakers_transcript()
    transcript.segments[1].text = "Hvala lepa za vabilo in lep pozdrav vsem poslušalcem."  # an edit, not aligned
    cues = list(srt.parse(export(transcript, "srt").decode("utf-8")))
    assert cues[0].content == "Dober dan, gospa Novak." and cues[0].start.total_seconds() == 0.5
    assert cues[1].content.replace("\n", " ") == transcript.segments[1].text
    assert (cues[1].start.total_seconds(), cues[1].end.total_seconds()) == (2.6, 5.2)  # 52 characters / 20 per s


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
    assert cues[0][1].replace("\n", " ") == "prvi \u2192 del 2 00:00:09,000 \u2192 00:00:10,000 vrinjeno"


def test_vtt_escapes_markup_in_the_text():
    import webvtt

    transcript = sample_transcript()
    transcript.segments[0].text = "a <b>krepko</b> & to"
    cue = webvtt.from_string(export(transcript, "vtt").decode("utf-8"))[0]
    assert "&lt;b&gt;" in cue.raw_text and "&amp;" in cue.raw_text


# ---- DOCX -------------------------------------------------------------------------------------------------

def docx_of(transcript: Transcript, **options):
    from docx import Document

    return Document(io.BytesIO(export(transcript, "docx", ExportOptions(**options))))


def test_docx_is_a4_with_labels_in_the_chosen_language():
    doc = docx_of(sample_transcript(), date="1. 12. 2026")
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == round(section.top_margin.mm) == 20
    texts = [p.text for p in doc.paragraphs]
    assert texts[:7] == ["Prepis: intervju.mp3", "Datum: 1. 12. 2026", "Datoteka: intervju.mp3", "Trajanje: 01:02:05",
                         "Model: rsdo-2.0", "Pregledano: 1 od 2 segmentov (50 %)",
                         "✓ pregledan segment · označene besede so negotove (zaupanje pod 50 %)"]
    english = [p.text for p in docx_of(sample_transcript(), lang="en", highlight=False).paragraphs]
    assert english == ["Transcript: intervju.mp3", "File: intervju.mp3", "Duration: 01:02:05", "Model: rsdo-2.0",
                       "Reviewed: 1 of 2 segments (50 %)", "✓ reviewed segment"]


def test_docx_table_without_speakers_and_with_highlighted_uncertain_words():
    from docx.enum.text import WD_COLOR_INDEX

    table = docx_of(sample_transcript()).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows == [["Čas", "Besedilo"], ["00:00:00", "dober dan gospa novak"], ["01:01:01 ✓", "živjo, svet"]]
    runs = table.rows[1].cells[1].paragraphs[0].runs
    marked = [r.text.strip() for r in runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert marked == ["novak"]  # 0.42 < 0.5; the edited segment's words are the reviewer's, not marked
    plain = docx_of(sample_transcript(), highlight=False).tables[0].rows[1].cells[1].paragraphs[0].runs
    assert [r.font.highlight_color for r in plain] == [None]


def test_docx_speaker_column_and_paragraph_layout():
    doc = docx_of(speakers_transcript(), lang="en")
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["Time", "Speaker", "Text"], ["00:00:00", "Voditelj", "Dober dan, gospa Novak."],
        ["00:00:02 ✓", "Gost", "hvala za povabilo"]]
    doc = docx_of(speakers_transcript(), docx="paragraphs", highlight=False)
    body = [(p.style.name, p.text) for p in doc.paragraphs][6:]
    assert body == [("Heading 2", "Voditelj"), ("Normal", "[00:00:00] Dober dan, gospa Novak."),
                    ("Heading 2", "Gost"), ("Normal", "[00:00:02 ✓] hvala za povabilo")]
    assert doc.tables == []


def test_docx_bytes_are_deterministic():
    assert export(speakers_transcript(), "docx") == export(speakers_transcript(), "docx")


# ---- ELAN, TextGrid, CSV ----------------------------------------------------------------------------------

def test_elan_has_a_tier_per_speaker_and_optional_word_tiers(tmp_path):
    import pympi

    path = tmp_path / "t.eaf"
    path.write_bytes(export(speakers_transcript(), "eaf", ExportOptions(words_tier=True, lang="en")))
    eaf = pympi.Elan.Eaf(str(path))
    assert sorted(eaf.get_tier_names()) == ["Gost", "Gost (words)", "Voditelj", "Voditelj (words)"]
    assert eaf.get_annotation_data_for_tier("Voditelj") == [(500, 1900, "Dober dan, gospa Novak.")]
    assert eaf.get_annotation_data_for_tier("Gost (words)") == [(2600, 3000, "hvala"), (3050, 3200, "za"),
                                                                (3250, 3900, "povabilo")]
    path.write_bytes(export(sample_transcript(), "eaf"))
    assert list(pympi.Elan.Eaf(str(path)).get_tier_names()) == ["prepis"]
    odd = speakers_transcript()
    odd.segments[0].speaker, odd.segments[0].text = 'Ana "Ž" & <co>', "a < b & c"
    path.write_bytes(export(odd, "eaf"))
    assert pympi.Elan.Eaf(str(path)).get_annotation_data_for_tier('Ana "Ž" & <co>') == [(500, 1900, "a < b & c")]


def test_textgrid_tiers_cover_the_recording(tmp_path):
    from praatio import textgrid

    path = tmp_path / "t.TextGrid"
    path.write_bytes(export(speakers_transcript(), "textgrid", ExportOptions(words_tier=True)))
    grid = textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
    assert grid.tierNames == ("Voditelj", "Voditelj (besede)", "Gost", "Gost (besede)")
    entries = grid.getTier("Voditelj").entries
    assert [(e.start, e.end, e.label) for e in entries] == [(0.5, 1.9, "Dober dan, gospa Novak.")]
    assert [e.label for e in grid.getTier("Gost (besede)").entries] == ["hvala", "za", "povabilo"]
    assert grid.maxTimestamp == 3725.25


def test_csv_of_segments_and_of_words():
    rows = list(csv.DictReader(io.StringIO(export(speakers_transcript(), "csv").decode("utf-8-sig"))))
    assert [(r["start"], r["speaker"], r["text"]) for r in rows] == [("0.5", "Voditelj", "Dober dan, gospa Novak."),
                                                                     ("2.6", "Gost", "hvala za povabilo")]
    words = export(speakers_transcript(), "csv", ExportOptions(csv="words")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(words)))
    assert [r["word"] for r in rows] == ["dober", "dan", "gospa", "novak", "hvala", "za", "povabilo"]
    assert (rows[3]["confidence"], rows[3]["speaker"], rows[3]["end"]) == ("0.3", "Voditelj", "1.9")


# ---- training data ----------------------------------------------------------------------------------------

def test_training_manifest_holds_the_reviewed_clips(tmp_path):
    from nemo.collections.asr.parts.utils.manifest_utils import read_manifest

    transcript = speakers_transcript()
    transcript.segments[1].text = "Hvala za povabilo!"
    samples = np.random.default_rng(0).uniform(-0.5, 0.5, 5 * SAMPLE_RATE).astype(np.float32)
    with zipfile.ZipFile(io.BytesIO(export(transcript, "manifest", samples=samples))) as z:
        z.extractall(tmp_path)
    items = read_manifest(str(tmp_path / "manifest.json"))
    assert items == [{"audio_filepath": "audio/segment-000001.wav", "duration": 1.3, "text": "hvala za povabilo",
                      "text_display": "Hvala za povabilo!"}]
    clip, rate = sf.read(tmp_path / items[0]["audio_filepath"], dtype="float32")
    assert rate == SAMPLE_RATE and clip.size == round(1.3 * SAMPLE_RATE)
    np.testing.assert_allclose(clip, samples[round(2.6 * SAMPLE_RATE):round(3.9 * SAMPLE_RATE)], atol=1 / 32767)


def test_training_manifest_says_what_it_needs():
    with pytest.raises(RequestError, match="needs the recording"):
        export(speakers_transcript(), "manifest")
    with pytest.raises(RequestError, match="No segment is marked reviewed"):
        export(Transcript(speakers_transcript().segments[:1], INFO), "manifest", samples=np.zeros(16000, np.float32))


def test_review_report_counts_word_errors_of_the_machine():
    transcript = speakers_transcript()
    transcript.segments[0].reviewed = True
    transcript.segments[1].text, transcript.segments[1].edited = "Hvala lepa za vabilo.", True
    report = json.loads(export(transcript, "report"))
    # machine "dober dan gospa novak | hvala za povabilo" against "dober dan gospa novak | hvala lepa za vabilo"
    assert report == {"file": "intervju.mp3", "model": "rsdo-2.0", "segments": 2, "reviewed": 2,
                      "reviewed_percent": 100, "reviewed_edited": 1, "reference_words": 8, "substitutions": 1,
                      "deletions": 1, "insertions": 0, "wer": 0.25}


# ---- options ----------------------------------------------------------------------------------------------

def test_options_name_what_is_allowed():
    with pytest.raises(RequestError, match="subtitles='tv' is not allowed: use one of streaming, broadcast"):
        ExportOptions(subtitles="tv")
    with pytest.raises(RequestError, match="Unknown export option 'colour'; the options are lang, subtitles"):
        ExportOptions.from_dict({"colour": "red"})
    with pytest.raises(RequestError, match="highlight must be true or false"):
        ExportOptions.from_dict({"highlight": "yes"})
    assert ExportOptions.from_dict(None) == ExportOptions()
    assert (format_date(__import__("datetime").date(2026, 12, 1), "sl"),
            format_date(__import__("datetime").date(2026, 12, 1), "en")) == ("1. 12. 2026", "1 December 2026")


def test_unknown_format_names_the_choices():
    with pytest.raises(RequestError, match="txt, srt, vtt, json, docx, eaf, textgrid, csv, manifest, report"):
        export(sample_transcript(), "pdf")


def test_docx_keeps_markup_characters_and_drops_control_characters():
    transcript = sample_transcript()
    transcript.segments[1].text = "a <b> & \x07c"
    cells = docx_of(transcript).tables[0].rows[2].cells
    assert cells[1].text == "a <b> & c"


def test_training_text_of_a_readable_segment_is_its_raw_words_unless_edited():
    words = [Word("leta", 0.0, 0.3, 0.9), Word("dva", 0.3, 0.5, 0.9), Word("tisoč", 0.5, 0.8, 0.9),
             Word("štiri", 0.8, 1.1, 0.9)]
    segment = Segment(0, 0.0, 1.1, "Leta 2004.", words, reviewed=True,
                      tokens=[Token("Leta", 0, 0), Token("2004.", 1, 3)])
    transcript = Transcript([segment], INFO)
    samples = np.zeros(2 * SAMPLE_RATE, np.float32)

    def manifest_text() -> str:
        with zipfile.ZipFile(io.BytesIO(export(transcript, "manifest", samples=samples))) as z:
            return json.loads(z.read("manifest.json"))["text"]

    assert manifest_text() == "leta dva tisoč štiri" and json.loads(export(transcript, "report"))["wer"] == 0.0
    segment.text, segment.edited = "Leta 2005.", True
    # the reviewer's "leta 2005" against the machine's four words: 1 substitution + 2 insertions of 2 words
    assert manifest_text() == "leta 2005" and json.loads(export(transcript, "report"))["wer"] == 1.5
