"""ui.review, ui.i18n, ui.config and ui.jobs.Progress: what the review view shows and what an edit means."""

from __future__ import annotations

import pytest

from asr.types import AudioInfo, Segment, Transcript, TranscriptionInfo, Word
from ui import review
from ui.config import parse_users
from ui.i18n import TEXTS, clock, parse_clock, t
from ui.jobs import Progress


def sample() -> Transcript:
    words = [Word("dober", 0.5, 0.8, 0.97), Word("dan", 0.9, 1.2, 0.3), Word("danes", 2.5, 2.9, 0.9),
             Word("je", 3.0, 3.1, 0.2)]
    return Transcript([Segment.from_words(0, words[:2]), Segment.from_words(1, words[2:])],
                      TranscriptionInfo(AudioInfo(duration=4.0)))


def test_clock_round_trips():
    for seconds in (0.0, 0.28, 62.5, 3723.0):
        assert parse_clock(clock(seconds)) == pytest.approx(seconds)
    assert clock(62.5) == "1:02.50" and clock(3723) == "1:02:03.00"
    assert parse_clock("62,5") == 62.5
    for bad in ("", "a", "1::2", "-3"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_rows_mark_uncertain_words_with_a_sign():
    rows = review.table(sample(), "sl", 0.5)["data"]
    assert rows[0] == [1, "0:00.50", "0:01.20", "dober dan", "⚠ 1: dan?", ""]
    words = [Word(w, 0.0, 0.1, 0.1) for w in "a b c d e".split()]
    assert review.unsure_note(words) == "⚠ 5: a? b? c? +2"
    assert review.marked_words(sample().segments[0], 0.5) == [("dober ", None), ("dan ", "?")]
    assert review.subtitles(sample())[1] == {"text": "danes je", "timestamp": [2.5, 3.1]}


def test_table_edits_find_text_and_time_changes_and_refuse_bad_times():
    transcript = sample()
    rows = review.table(transcript, "sl", 0.5)["data"]
    rows[0][3] = "  dober dan vsem "
    rows[1][1] = "2.4"
    edits, bad = review.table_edits(rows, transcript)
    assert edits == [review.Edit(0, "text", "dober dan vsem"), review.Edit(1, "start", 2.4)] and bad == []
    rows = review.table(transcript, "sl", 0.5)["data"]
    rows[1][2] = "0:01.00"  # before the start
    rows[0][1] = "nič"
    assert review.table_edits(rows, transcript) == ([], ["nič / 0:01.20", "0:02.50 / 0:01.00"])


def test_next_uncertain_skips_edited_and_reviewed_segments_and_wraps():
    transcript = sample()
    assert review.next_unsure(transcript, None, 0.5)[0] == 0
    assert review.next_unsure(transcript, 0, 0.5)[0] == 1
    assert review.next_unsure(transcript, 1, 0.5)[0] == 0
    transcript.segments[0].reviewed = True
    transcript.segments[1].text = "danes res"
    assert review.next_unsure(transcript, None, 0.5) is None


def test_share_and_translations():
    transcript = sample()
    transcript.segments[0].reviewed = True
    assert review.share(transcript, "sl") == "Pregledanih segmentov: **1 od 2** (50 %)"
    assert review.share(transcript, "en") == "Segments reviewed: **1 of 2** (50 %)"
    assert all(sl and en for sl, en in TEXTS.values())
    assert t("en", "start") == "Start transcribing" and t("xx", "start") == "Začni prepis"


def test_parse_users():
    assert parse_users("ana:geslo, bor:ge:slo\n# komentar\n") == [("ana", "geslo"), ("bor", "ge:slo")]
    with pytest.raises(ValueError, match="user:password"):
        parse_users("ana")


def test_progress_estimates_time_left_from_the_speed_after_the_first_batch():
    progress = Progress("sl", total=100.0)
    assert progress.text() == t("sl", "decoding")
    progress.report(0.2, "")
    assert progress.seconds_left() is None and "še približno" not in progress.text()
    progress.first = (progress.first[0] - 10.0, 0.2)  # the first batch finished 10 s ago
    progress.report(0.4, "")
    assert progress.seconds_left() == pytest.approx(30.0, rel=0.05)
    assert "40 s od 1 min 40 s (40 %), končanih delov: 2" in progress.text()
