"""ui.i18n, ui.config and ui.jobs.Progress: the app's words, clock times, logins and the progress it shows."""

from __future__ import annotations

import pytest

from ui.config import parse_users
from ui.i18n import TEXTS, clock, editor_texts, parse_clock, t
from ui.jobs import Progress


def test_clock_round_trips():
    for seconds in (0.0, 0.28, 62.5, 3723.0):
        assert parse_clock(clock(seconds)) == pytest.approx(seconds)
    assert clock(62.5) == "1:02.50" and clock(3723) == "1:02:03.00"
    assert parse_clock("62,5") == 62.5
    for bad in ("", "a", "1::2", "-3"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_translations():
    assert all(sl and en for sl, en in TEXTS.values())
    assert t("en", "start") == "Start transcribing" and t("xx", "start") == "Začni prepis"
    texts = editor_texts()
    assert set(texts) == {"sl", "en"} and texts["en"]["ed_undo"] == "Undo" and texts["sl"]["ed_undo"] == "Razveljavi"


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
