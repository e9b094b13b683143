"""asr.speakers: who spoke when, on synthetic conversations with known turns (tools/make_conversations.py), and
how speakers reach words, segments, the pipeline, the store and JSON. bench/der.py (the error rate) is tested
against values worked out by hand."""

from __future__ import annotations

import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from helpers import check_tokens

from asr import speakers
from asr.audio import SAMPLE_RATE
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.errors import RequestError
from asr.options import TranscribeOptions
from asr.pipeline import transcribe, transcribe_stream
from asr.store import Store
from asr.types import Segment, Token, Transcript, Word
from bench.der import score

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import make_conversations  # noqa: E402

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng makes the conversations (scripts/setup --dev installs it)")
MAX_DER_TWO = 0.10  # the targets
MAX_DER_MORE = 0.20
MIN_WORD_ACCURACY = 0.95  # of words given the right speaker by the pipeline
TURN_SLACK = 0.3  # seconds; a recognised word's times may lie this far outside its true turn


def conversation(n_speakers: int, minutes: float, seed: int) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    rng = random.Random(seed)
    audio, truth = make_conversations.conversation(rng, make_conversations.word_list(), n_speakers, minutes)
    return audio, [(t["speaker"], t["start"], t["end"]) for t in truth["turns"]]


def hypothesis(turns: list[speakers.Turn]) -> list[tuple[int, float, float]]:
    return [(t.speaker, t.start, t.end) for t in turns]


# ------------------------------------------------------------------------------------------------------ DER
def test_der_is_zero_for_the_truth_under_other_names():
    ref = [("A", 0.0, 4.0), ("B", 4.5, 9.0), ("A", 9.0, 12.0)]
    assert score(ref, [(7, 0.0, 4.0), (3, 4.5, 9.0), (7, 9.0, 12.0)]).der == 0.0


def test_der_counts_miss_false_alarm_and_confusion_outside_the_collar():
    ref = [("A", 0.0, 10.0), ("B", 10.0, 20.0)]
    # B heard as A from 10 to 14 s: 0.25 s of it lies in the collar round t=10, so 3.75 s confusion
    got = score(ref, [("x", 0.0, 14.0), ("y", 14.0, 20.0)])
    assert got.confusion == pytest.approx(3.75) and got.missed == 0.0 and got.false_alarm == 0.0
    # scored speech: 20 s less the collars (0.25 s inside at 0 and 20, 0.5 s round 10) = 19 s
    assert got.reference == pytest.approx(19.0) and got.der == pytest.approx(3.75 / 19.0)
    miss = score(ref, [("x", 0.0, 10.0), ("y", 10.0, 15.0)])  # 15-20 s not said: 4.75 s missed
    assert miss.missed == pytest.approx(4.75) and miss.confusion == 0.0
    extra = score(ref, [("x", 0.0, 10.0), ("y", 10.0, 20.0), ("z", 30.0, 32.0)])
    assert extra.false_alarm == pytest.approx(2.0) and extra.der == pytest.approx(2.0 / 19.0)


def test_der_maps_each_hypothesis_speaker_to_one_reference_speaker():
    ref = [("A", 0.0, 10.0), ("B", 10.0, 20.0)]
    one = score(ref, [("x", 0.0, 20.0)])  # one speaker for both: B's 9.5 scored seconds (10.25-19.75) are confusion
    assert one.confusion == pytest.approx(9.5) and one.der == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------------- clustering
@needs_espeak
@pytest.mark.parametrize(("n_speakers", "seed", "max_der"), [(2, 11, MAX_DER_TWO), (3, 12, MAX_DER_MORE)])
def test_a_conversation_gets_its_speakers_and_turns(n_speakers, seed, max_der):
    audio, reference = conversation(n_speakers, 1.0, seed)
    turns = speakers.diarize(audio, [(s, e) for _, s, e in reference])
    assert len({t.speaker for t in turns}) == n_speakers
    assert [t.speaker for t in turns][:1] == [0], "speakers are numbered by first appearance"
    assert score(reference, hypothesis(turns)).der <= max_der
    given = speakers.diarize(audio, [(s, e) for _, s, e in reference], count=n_speakers)
    assert score(reference, hypothesis(given)).der <= max_der


@needs_espeak
def test_one_voice_is_one_speaker():
    audio, reference = conversation(1, 1.0, 13)
    turns = speakers.diarize(audio, speakers.vad_regions(audio))
    assert {t.speaker for t in turns} == {0}
    assert score(reference, hypothesis(turns)).der <= MAX_DER_TWO


def music(seconds: float) -> np.ndarray:
    """A major chord swelling twice a second: music with no speech."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
    return (0.1 * chord).astype(np.float32)


def test_silence_and_music_have_no_speakers():
    for audio in (np.zeros(20 * SAMPLE_RATE, np.float32), music(20)):
        assert speakers.diarize(audio, speakers.vad_regions(audio)) == []
    assert speakers.diarize(np.zeros(SAMPLE_RATE, np.float32), []) == []


def test_a_given_count_of_one_needs_no_clustering():
    assert speakers.cluster(np.eye(5, 256, dtype=np.float32), count=1).tolist() == [0] * 5


# ------------------------------------------------------------------------------------------- words and segments
def words(*spans: tuple[str, float, float]) -> list[Word]:
    return [Word(w, s, e, 0.9) for w, s, e in spans]


def test_segments_split_where_the_speaker_changes_and_are_renumbered():
    first = Segment.from_words(0, words(("dober", 0.0, 0.4), ("dan", 0.5, 0.8), ("ja", 1.1, 1.3), ("hvala", 1.4, 1.9)))
    second = Segment.from_words(1, words(("prosim", 3.0, 3.5)))
    turns = [speakers.Turn(0, 0.0, 0.95), speakers.Turn(1, 0.95, 2.0), speakers.Turn(0, 2.9, 3.6)]
    out = speakers.label_segments([first, second], turns)
    assert [(s.id, s.text, s.speaker) for s in out] == [
        (0, "dober dan", "Govorec 1"), (1, "ja hvala", "Govorec 2"), (2, "prosim", "Govorec 1")]
    assert (out[1].start, out[1].end) == (1.1, 1.9)
    assert [w.speaker for s in out for w in s.words] == ["Govorec 1"] * 2 + ["Govorec 2"] * 2 + ["Govorec 1"]


def test_a_readable_segment_splits_between_its_tokens_and_an_edited_one_stays_whole():
    raw = words(("dober", 0.0, 0.4), ("dan", 0.5, 0.8), ("ja", 1.1, 1.3))
    readable = Segment(0, 0.0, 1.3, "Dober dan. Ja.", raw, tokens=[Token("Dober", 0, 0), Token("dan.", 1, 1),
                                                                      Token("Ja.", 2, 2)])
    turns = [speakers.Turn(0, 0.0, 1.0), speakers.Turn(1, 1.0, 2.0)]
    a, b = speakers.label_segments([readable], turns)
    assert (a.text, a.tokens, b.text, b.tokens) == ("Dober dan.", readable.tokens[:2], "Ja.", [Token("Ja.", 0, 0)])
    edited = Segment(0, 0.0, 1.3, "dober dan, ja", raw, edited=True)
    (whole,) = speakers.label_segments([edited], turns)
    assert whole.text == "dober dan, ja" and whole.speaker == "Govorec 1"
    assert [w.speaker for w in whole.words] == ["Govorec 1", "Govorec 1", "Govorec 2"]


def test_default_names_and_their_number():
    assert speakers.speaker_name(0) == "Govorec 1"
    assert speakers.default_number("Govorec 12") == 12 and speakers.default_number("Ana Novak") is None


# ---------------------------------------------------------------------------------------------------- options
def test_the_speakers_option():
    assert TranscribeOptions().speakers == "auto" and TranscribeOptions().speaker_count is None
    assert TranscribeOptions(speakers=3).speaker_count == 3 and TranscribeOptions(speakers=" Off ").diarize is False
    for bad in ("0", "9", "two", ""):
        with pytest.raises(RequestError, match="auto, off, or how many speakers"):
            TranscribeOptions(speakers=bad)


# --------------------------------------------------------------------------------------------------- pipeline
@pytest.fixture(scope="module")
def backend(tiny_model):
    return LocalBackend(Engine(tiny_model, "tiny-sl", "cpu"))


@needs_espeak
def test_the_pipeline_labels_every_word_and_segment_at_the_end(backend):
    audio, reference = conversation(2, 0.75, 21)
    updates = list(transcribe_stream(backend, _wav(audio), TranscribeOptions(), filename="pogovor.wav"))
    assert not any(u.replaced for u in updates[:-1]) and updates[-1].replaced
    transcript = updates[-1].transcript
    assert updates[-1].new == transcript.segments and transcript.info.options["speakers"] == "auto"
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))
    assert {s.speaker for s in transcript.segments} == {"Govorec 1", "Govorec 2"}
    for s in transcript.segments:
        assert {w.speaker for w in s.words} == {s.speaker}
        check_tokens(s)  # a split keeps each part's readable tokens on its own words
    assert word_accuracy(transcript.words, reference) >= MIN_WORD_ACCURACY
    data = Transcript.from_dict(transcript.to_dict())
    assert [w.speaker for w in data.words] == [w.speaker for w in transcript.words], "JSON carries the speakers"


def test_off_silence_and_music_give_no_speakers(backend):
    clip = next(p for p in (Path(__file__).parent / "fixtures" / "audio").iterdir() if p.suffix == ".flac")
    off = transcribe(backend, clip, TranscribeOptions(speakers="off"))
    assert off.words and all(w.speaker is None for w in off.words) and all(s.speaker is None for s in off.segments)
    one = transcribe(backend, clip, TranscribeOptions())
    assert {s.speaker for s in one.segments} == {"Govorec 1"}
    for audio in (np.zeros(5 * SAMPLE_RATE, np.float32), music(20)):
        assert transcribe(backend, _wav(audio)).segments == []


def word_accuracy(said: list[Word], reference: list[tuple[str, float, float]]) -> float:
    """The share of words, among those inside one true turn, whose speaker is that turn's (under the best naming)."""
    pairs = []
    for w in said:
        names = {n for n, a, b in reference if a - TURN_SLACK <= w.start and w.end <= b + TURN_SLACK}
        if len(names) == 1:
            pairs.append((w.speaker, names.pop()))
    best: dict[str, str] = {}
    for (hyp, ref), _ in Counter(pairs).most_common():
        if hyp not in best and ref not in best.values():
            best[hyp] = ref
    return sum(best.get(hyp) == ref for hyp, ref in pairs) / max(1, len(pairs))


def _wav(audio: np.ndarray) -> bytes:
    import io

    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, audio, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------------ store
@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite3")
    yield s
    s.close()


def labelled() -> Transcript:
    ws = words(("dober", 0.0, 0.4), ("dan", 0.5, 0.8), ("ja", 1.1, 1.3), ("hvala", 2.0, 2.4))
    for w, who in zip(ws, ("Govorec 1", "Govorec 1", "Govorec 2", "Govorec 1"), strict=True):
        w.speaker = who
    edited = Segment(1, 1.1, 2.4, "ja, hvala", ws[2:], speaker="Govorec 1", edited=True)
    return Transcript([Segment.from_words(0, ws[:2], "Govorec 1"), edited])


def test_renaming_a_speaker_renames_it_everywhere_and_is_logged(store):
    tid = store.create("alice", labelled())
    assert store.rename_speaker("alice", tid, "Govorec 1", "  Ana   Novak ") == 2
    got = store.load("alice", tid)
    assert [s.speaker for s in got.segments] == ["Ana Novak", "Ana Novak"]
    assert [w.speaker for w in got.words] == ["Ana Novak", "Ana Novak", "Govorec 2", "Ana Novak"]
    assert [(h["segment"], h["field"], h["old"], h["new"]) for h in store.history("alice", tid)] == [
        (0, "speaker", "Govorec 1", "Ana Novak"), (1, "speaker", "Govorec 1", "Ana Novak")]
    assert store.rename_speaker("alice", tid, "Nobody", "X") == 0
    with pytest.raises(RequestError, match="1 to 80 characters"):
        store.rename_speaker("alice", tid, "Govorec 2", "   ")
    assert store.load("alice", tid).to_dict() == got.to_dict(), "a refused name changes nothing"


def test_reassigning_a_segment_moves_its_words_too(store):
    tid = store.create("alice", labelled())
    assert store.edit("alice", tid, 1, "speaker", "Govorec 2")
    got = store.load("alice", tid).segments[1]
    assert got.speaker == "Govorec 2" and {w.speaker for w in got.words} == {"Govorec 2"}
    assert got.edited and got.text == "ja, hvala"


def test_replacing_the_segments_of_a_running_transcription(store):
    tid = store.create("alice", Transcript([]))
    store.append("alice", tid, labelled().segments)
    relabelled = labelled()
    relabelled.segments = [Segment.from_words(i, [w], w.speaker) for i, w in enumerate(relabelled.words)]
    assert store.replace_segments("alice", tid, relabelled) == 4
    assert store.load("alice", tid).to_dict()["segments"] == relabelled.to_dict()["segments"]


def test_the_cli_refuses_a_bad_speaker_count_before_loading_anything(tmp_path, capsys):
    from asr.__main__ import main

    assert main(["transcribe", str(tmp_path / "x.wav"), "--speakers", "nine"]) == 2
    assert "speakers='nine' is not allowed: use auto, off, or how many speakers there are (1 to 8)" in (
        capsys.readouterr().err)


def test_a_failure_in_diarization_keeps_the_words(backend, monkeypatch, caplog):
    clip = next(p for p in (Path(__file__).parent / "fixtures" / "audio").iterdir() if p.suffix == ".flac")

    def broken(*args, **kwargs):
        raise ValueError("a defect")

    monkeypatch.setattr(speakers, "diarize", broken)
    updates = list(transcribe_stream(backend, clip))
    assert updates[-1].transcript.words and not updates[-1].replaced
    assert all(s.speaker is None for s in updates[-1].transcript.segments)
    assert "unexpected error" in caplog.text and "speaker diarization" in caplog.text


def test_no_cut_between_words_that_overlap_in_time():
    overlapping = Segment.from_words(0, words(("dober", 0.0, 0.52), ("dan", 0.5, 0.8), ("ja", 1.1, 1.3)))
    turns = [speakers.Turn(0, 0.0, 0.51), speakers.Turn(1, 0.51, 2.0)]
    a, b = speakers.label_segments([overlapping], turns)
    assert (a.text, a.speaker, b.text, b.speaker) == ("dober dan", "Govorec 1", "ja", "Govorec 2")
    assert a.end <= b.start and [w.speaker for w in a.words] == ["Govorec 1", "Govorec 1"]
