"""The readable-text stage (asr.text): numbers as digits, punctuation, capitals, tokens mapped to raw words,
on text alone, on timed segments, through the pipeline with the fixture model, and through the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import check_tokens
from number_cases import HAND, cases

from asr.backends import LocalBackend
from asr.engine import Engine
from asr.options import TranscribeOptions
from asr.pipeline import transcribe
from asr.text import make_readable, readable, render
from asr.text.numbers import lexicon, number_tokens, parse_phrase
from asr.types import Segment, Transcript, Word

AUDIO = Path(__file__).parent / "fixtures" / "audio"
CLIPS = sorted(p for p in AUDIO.iterdir() if p.suffix != ".json" and p.with_suffix(".json").is_file())
MIN_NUMBER_EXACT = 0.97  # measured: 258 of 259 (the one miss, a lone "sto", is kept as a word by design)


def numbers(spoken: str) -> str:
    return " ".join(t.text for t in number_tokens(spoken.split()))


def test_number_phrases_are_digits_or_the_raw_words_never_wrong_digits():
    all_cases = cases()
    assert len(all_cases) >= 200
    got = [(spoken, expected, numbers(spoken)) for spoken, expected in all_cases]
    exact = sum(g == e for _, e, g in got)
    print(f"number phrases: {exact}/{len(got)} exact ({exact / len(got):.1%})")
    assert [(s, e, g) for s, e, g in got if g not in (e, s)] == []  # a miss keeps the words
    assert exact / len(got) >= MIN_NUMBER_EXACT


@pytest.mark.parametrize(("spoken", "expected"), HAND)
def test_hand_cases_of_the_issue(spoken, expected):
    assert numbers(spoken) == expected


def test_a_number_token_spans_exactly_its_words():
    tokens = number_tokens("rojen je bil petega maja dva tisoč triindvajset ob trinajstih trideset".split())
    spans = {t.text: (t.first, t.last) for t in tokens}
    assert spans["5."] == (3, 3) and spans["2023"] == (5, 7) and spans["13.30"] == (9, 10)


def test_punctuation_splits_a_run_of_numbers_only_between_whole_phrases():
    words = "do leta tisoč petsto štiriindevetdeset dve leti kasneje".split()
    texts = lambda breaks: [t.text for t in number_tokens(words, frozenset(breaks))]  # noqa: E731
    assert texts([]) == words  # "1594 2" or "1500 94 2"? ambiguous: the words stay
    assert texts([4]) == ["do", "leta", "1594", "dve", "leti", "kasneje"]  # "... štiriindevetdeset. Dve leti"
    assert texts([2]) == words  # a mark inside the phrase never cuts it into other numbers


def test_every_lexicon_word_parses_back_to_its_value():
    for word, entry in lexicon().items():
        phrase = parse_phrase([word], 0)
        assert phrase is not None and phrase.value == entry.value, word


def test_readable_text_has_sentences_capitals_and_digits():
    text = readable("danes je petega maja dva tisoč triindvajset v ljubljani je bilo sončno")
    assert text.startswith("Danes je 5. maja 2023") and text.endswith(".")
    assert "Ljubljani" in text


def test_a_question_gets_a_question_mark():
    assert readable("ali boš prišel jutri") == "Ali boš prišel jutri?"


def test_readable_of_nothing_is_nothing():
    assert readable("") == "" and readable("   \n") == ""


def test_tokens_cover_the_raw_words_in_order():
    words = "ja in potem je rekel da pride ob osmih nič pet zakaj pa ne bi prišel prej".split()
    tokens = render(words)
    assert tokens[0].first == 0 and tokens[-1].last == len(words) - 1
    assert all(b.first == a.last + 1 for a, b in zip(tokens, tokens[1:], strict=False))


def timed(words: str, start: float = 0.0, gap: float = 0.1, pause_after: int | None = None) -> list[Word]:
    out, t = [], start
    for i, w in enumerate(words.split()):
        out.append(Word(w, round(t, 3), round(t + 0.3, 3), 0.9))
        t += 0.3 + (1.5 if i == pause_after else gap)
    return out


def test_segments_keep_raw_words_edits_and_numbers_inside_each_segment():
    first = Segment.from_words(0, timed("rojen je bil leta tisoč devetsto"))
    second = Segment.from_words(1, timed("dvainosemdeset v mariboru", start=5.0))
    edited = Segment(2, 9.0, 10.0, "Popravil sem to.", timed("popravil sem to", start=9.0), edited=True)
    raw_words = [list(s.words) for s in (first, second, edited)]
    out = make_readable([first, second, edited])
    assert [s.words for s in out] == raw_words  # raw words untouched
    assert out[2] is edited  # the reviewer's edit wins
    assert out[0].text.startswith("Rojen je bil leta 1900")  # "dvainosemdeset" is in the next segment
    assert "Mariboru" in out[1].text
    for s in out[:2]:
        check_tokens(s)


def test_a_long_pause_helps_end_a_sentence():
    words = timed("to je bilo vse hvala lepa", pause_after=3)
    out = make_readable([Segment.from_words(0, words)])[0]
    assert [t.text for t in out.tokens][3:5] == ["vse.", "Hvala"]


def test_json_keeps_raw_words_and_readable_text():
    segment = make_readable([Segment.from_words(0, timed("imamo dvajset odstotkov"))])[0]
    data = Transcript([segment]).to_dict()
    back = Transcript.from_dict(data).segments[0]
    assert [w["word"] for w in data["segments"][0]["words"]] == ["imamo", "dvajset", "odstotkov"]
    assert data["segments"][0]["text"] == "Imamo 20 %."
    assert back.tokens == segment.tokens and back.words == segment.words


@pytest.fixture(scope="module")
def backend(tiny_model):
    return LocalBackend(Engine(tiny_model, "tiny-sl", "cpu"))


def test_fixture_clips_every_token_has_the_times_of_its_raw_words(backend):
    for clip in CLIPS:
        raw = transcribe(backend, clip, TranscribeOptions(text="raw"))
        nice = transcribe(backend, clip)
        assert nice.info.options["text"] == "readable" and raw.info.options["text"] == "raw"
        assert nice.words == raw.words, clip.name  # the stage never changes the timed words
        assert all(s.text == s.raw_text and not s.tokens for s in raw.segments)
        for segment in nice.segments:
            check_tokens(segment)
            for token in segment.tokens:
                spoken = segment.words[token.first:token.last + 1]
                start, end = spoken[0].start, spoken[-1].end
                assert segment.start <= start <= end <= segment.end
                if token.first == token.last and not token.text[0].isdigit():
                    assert token.text.lower().rstrip(".,?") == spoken[0].word, (clip.name, token)


def test_cli_readable_reads_lines_from_stdin():
    lines = "ali pridete ob osmih nič pet\n\nimamo petindvajset odstotkov\n"
    out = subprocess.run([sys.executable, "-m", "asr", "readable"], input=lines, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent).stdout
    assert out == "Ali pridete ob 8.05?\n\nImamo 25 %.\n"
