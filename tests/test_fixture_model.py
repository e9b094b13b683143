"""The tiny Slovenian fixture model really recognises the committed clips, and words_from_ctc times them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import load_truth, wer, word_time_errors

from asr.alignment import FRAME_SHIFT, START_OFFSET, words_from_ctc
from asr.audio import decode_audio

FIXTURES = Path(__file__).parent / "fixtures"
MODEL = FIXTURES / "tiny-sl.nemo"
PIECES = ["<unk>", "\u2581a", "b", "\u2581c", "d"]
BLANK = len(PIECES)
MAX_WER = 0.25  # clip WER the fixture model must reach on held-out voices (target; see README)
MAX_START_ERROR = 0.08  # seconds, mean over matched words
MAX_END_ERROR = 0.20  # seconds, mean over matched words


def posteriors(path: list[int], peak: float = 0.9) -> np.ndarray:
    """Log-posteriors (T, V+1) whose argmax follows ``path`` (token ids, BLANK for blank)."""
    probs = np.full((len(path), BLANK + 1), (1.0 - peak) / BLANK)
    probs[np.arange(len(path)), path] = peak
    return np.log(probs)


def test_all_blank_gives_no_words():
    assert words_from_ctc(posteriors([BLANK] * 20), PIECES, BLANK) == []


def test_repeats_collapse_and_blank_separates_repeated_tokens():
    words = words_from_ctc(posteriors([1, 1, 2, 2, BLANK, 2, BLANK]), PIECES, BLANK)
    assert [w.word for w in words] == ["abb"]
    assert words[0].start == pytest.approx(START_OFFSET)


def test_word_boundaries_and_times():
    path = [BLANK, BLANK, 1, 2, BLANK, BLANK, BLANK, BLANK, 3, 3, 4, BLANK, BLANK]
    words = words_from_ctc(posteriors(path), PIECES, BLANK)
    assert [w.word for w in words] == ["ab", "cd"]
    assert words[0].start == pytest.approx(2 * FRAME_SHIFT + START_OFFSET)
    assert words[1].start == pytest.approx(8 * FRAME_SHIFT + START_OFFSET)
    assert words[0].start < words[0].end <= words[1].start < words[1].end <= len(path) * FRAME_SHIFT + 1e-9


def test_confidence_is_a_probability_and_follows_the_posteriors():
    sure = words_from_ctc(posteriors([1, BLANK, 3], peak=0.95), PIECES, BLANK)
    unsure = words_from_ctc(posteriors([1, BLANK, 3], peak=0.4), PIECES, BLANK)
    assert all(0.0 <= w.confidence <= 1.0 for w in sure + unsure)
    assert sure[0].confidence > unsure[0].confidence


def test_audio_energy_sets_the_end():
    sr = 16000
    audio = np.random.default_rng(0).standard_normal(sr * 2).astype(np.float32) * 1e-3
    audio[int(0.20 * sr) : int(0.90 * sr)] += np.sin(np.arange(int(0.70 * sr)) * 0.3).astype(np.float32)
    path = [BLANK] * 5 + [1] + [BLANK] * 44  # one early spike at 0.2 s, 2 s in total
    (word,) = words_from_ctc(posteriors(path), PIECES, BLANK, audio=audio, sample_rate=sr)
    assert word.start == pytest.approx(0.20, abs=0.05)
    assert word.end == pytest.approx(0.90, abs=0.05)


def test_a_spike_in_the_pause_before_a_word_moves_to_its_onset():
    sr = 16000
    audio = np.random.default_rng(0).standard_normal(sr * 2).astype(np.float32) * 1e-3
    audio[int(0.60 * sr) : int(0.90 * sr)] += np.sin(np.arange(int(0.30 * sr)) * 0.3).astype(np.float32)
    path = [BLANK] * 5 + [1] + [BLANK] * 10 + [2] + [BLANK] * 33  # spikes at 0.2 s (in the pause) and 0.64 s
    (word,) = words_from_ctc(posteriors(path), PIECES, BLANK, audio=audio, sample_rate=sr)
    assert word.word == "ab"
    assert word.start == pytest.approx(0.60, abs=0.02)
    assert word.end == pytest.approx(0.90, abs=0.05)


def tone(seconds: float, sound_from: float, sound_to: float, sr: int = 16000) -> np.ndarray:
    audio = np.random.default_rng(0).standard_normal(int(sr * seconds)).astype(np.float32) * 1e-3
    n = int((sound_to - sound_from) * sr)
    audio[int(sound_from * sr) : int(sound_from * sr) + n] += np.sin(np.arange(n) * 0.3).astype(np.float32)
    return audio


def assert_ordered_and_non_empty(words, duration: float) -> None:
    assert all(0 <= w.start < w.end <= duration + 1e-9 for w in words), words
    assert all(a.start < b.start and a.end <= b.start for a, b in zip(words, words[1:], strict=False)), words


def test_one_letter_words_spiking_in_the_quiet_keep_their_order():
    """▁a at 0.20 s and ▁c at 0.24 s, sound from 0.26 s: both spikes move to the onset, but never onto each other."""
    path = [BLANK] * 5 + [1, 3] + [BLANK] * 43  # 2 s
    words = words_from_ctc(posteriors(path), PIECES, BLANK, audio=tone(2.0, 0.26, 0.90), sample_rate=16000)
    assert [w.word for w in words] == ["a", "c"]
    assert_ordered_and_non_empty(words, 2.0)
    assert 0.24 <= words[0].start < words[1].start < 0.40  # both start in the sound, not in the quiet before it
    assert words[1].end == pytest.approx(0.90, abs=0.05)


@pytest.mark.parametrize("seed", range(20))
def test_random_one_letter_words_are_never_empty_or_out_of_order(seed):
    """One-frame spikes of one-letter words next to each other, anywhere, over random sound: the invariants hold."""
    rng = np.random.default_rng(seed)
    frames = int(rng.integers(10, 60))
    path = [int(t) for t in rng.choice([BLANK, BLANK, 1, 3], size=frames)]
    seconds = frames * FRAME_SHIFT
    audio = tone(seconds, *sorted(rng.uniform(0, seconds, 2)))
    for given in (audio, None):
        words = words_from_ctc(posteriors(path), PIECES, BLANK, audio=given, sample_rate=16000)
        assert_ordered_and_non_empty(words, seconds)


def test_words_at_the_very_end_stay_inside_the_audio():
    path = [BLANK] * 8 + [1, 3]  # two spikes in the last two frames of 0.4 s
    words = words_from_ctc(posteriors(path), PIECES, BLANK)
    assert [w.word for w in words] == ["a", "c"]
    assert_ordered_and_non_empty(words, 0.4)


@pytest.fixture(scope="module")
def model():
    if not MODEL.exists():
        pytest.skip(f"{MODEL} not built (tools/make_test_model.py)")
    torch = pytest.importorskip("torch")
    from nemo.collections.asr.models import ASRModel

    m = ASRModel.restore_from(str(MODEL), map_location="cpu")
    m.eval()
    assert next(m.parameters()).dtype == torch.float32
    return m


@pytest.mark.parametrize("clip", ["wav16k_mono.wav", "mp3.mp3"])
def test_fixture_model_transcribes_and_times_clip(model, clip):
    import torch

    path = FIXTURES / "audio" / clip
    truth = load_truth(path.with_suffix(".json"))
    audio = decode_audio(path)
    with torch.inference_mode():
        log_probs, enc_len, _ = model.forward(
            input_signal=torch.from_numpy(audio)[None], input_signal_length=torch.tensor([len(audio)])
        )
    pieces = [model.tokenizer.ids_to_tokens([i])[0] for i in range(model.tokenizer.vocab_size)]
    lp = log_probs[0, : int(enc_len[0])].numpy()
    words = words_from_ctc(lp, pieces, model.tokenizer.vocab_size, audio=audio)
    hyp = " ".join(w.word for w in words)
    assert wer(truth["text"], hyp) <= MAX_WER, hyp
    start_err, end_err, matched = word_time_errors(truth["words"], words)
    assert matched >= 0.7 * len(truth["words"])
    assert start_err <= MAX_START_ERROR
    assert end_err <= MAX_END_ERROR
