"""End to end with the fixture model: every committed format, odd inputs, silence, and a long file.

Truth comes from the synthesis (tests/fixtures/audio/*.json): exact words and word times.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from helpers import build_long_audio, check_invariants, load_truth, speech_clips, wer, word_time_errors
from scipy.signal import resample_poly

from asr.audio import SAMPLE_RATE, decode_audio
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.options import TranscribeOptions
from asr.pipeline import transcribe
from asr.segmenter import FRAME_GRID, plan_chunks
from asr.types import Word

CLIPS = speech_clips()
MAX_START_ERROR = 0.060  # seconds, mean over matched words
MAX_END_ERROR = 0.150


@pytest.fixture(scope="module")
def backend(tiny_model):
    return LocalBackend(Engine(tiny_model, "tiny-sl", "cpu"))


def test_the_fixtures_cover_every_promised_format():
    suffixes = {p.suffix for p in CLIPS}
    assert {".wav", ".flac", ".mp3", ".ogg", ".m4a", ".webm", ".mp4"} <= suffixes


def own_figure(tiny_model, tmp_path) -> float:
    """The model's own WER on the clips: NeMo's transcribe() on each clip's 16 kHz audio, no VAD, no chunks."""
    from nemo.collections.asr.models import ASRModel

    model = ASRModel.restore_from(str(tiny_model), map_location="cpu")
    paths = []
    for clip in CLIPS:
        paths.append(tmp_path / f"{clip.stem}.wav")
        sf.write(paths[-1], decode_audio(clip), SAMPLE_RATE, subtype="FLOAT")
    hyps = model.transcribe([str(p) for p in paths], batch_size=1, verbose=False)
    return wer(" ".join(load_truth(c.with_suffix(".json"))["text"] for c in CLIPS), " ".join(h.text for h in hyps))


def test_every_committed_format(backend, tiny_model, tmp_path):
    refs, hyps = [], []
    for clip in CLIPS:
        truth = load_truth(clip.with_suffix(".json"))
        transcript = transcribe(backend, clip)
        check_invariants(transcript)
        assert transcript.info.audio.filename == clip.name
        assert transcript.info.model.name == "tiny-sl" and len(transcript.info.model.file_sha256) == 64
        assert transcript.info.backend == "local-cpu"
        refs.append(truth["text"])
        hyps.append(transcript.raw_text)
    total = wer(" ".join(refs), " ".join(hyps))
    own = own_figure(tiny_model, tmp_path)
    print(f"clips={len(CLIPS)} WER={total:.3%} (model's own {own:.3%})")
    assert total <= own + 0.02


def test_word_times_meet_the_targets(backend):
    truth_words, hyp_words = [], []
    for i, clip in enumerate(CLIPS):  # clips are laid 1000 s apart so words of different clips never match
        truth_words += [Word(w["word"], w["start"] + 1000 * i, w["end"] + 1000 * i, 1.0)
                        for w in load_truth(clip.with_suffix(".json"))["words"]]
        hyp_words += [w.shifted(1000 * i) for w in transcribe(backend, clip).words]
    start_err, end_err, matched = word_time_errors(truth_words, hyp_words)
    print(f"start={start_err * 1000:.0f} ms end={end_err * 1000:.0f} ms matched={matched}/{len(truth_words)}")
    assert matched >= 0.5 * len(truth_words)
    assert start_err <= MAX_START_ERROR
    assert end_err <= MAX_END_ERROR


def reference_clip():
    clip = AUDIO / "wav16k_mono.wav"
    return clip, load_truth(clip.with_suffix(".json"))


def write_odd(tmp_path, rate: int, channels: int):
    clip, _ = reference_clip()
    samples = decode_audio(clip)
    g = np.gcd(rate, SAMPLE_RATE)
    path = tmp_path / f"odd-{rate}-{channels}.wav"
    resampled = resample_poly(samples, rate // g, SAMPLE_RATE // g)
    sf.write(path, np.repeat(resampled[:, None], channels, axis=1), rate, subtype="PCM_16")
    return clip, path


@pytest.mark.parametrize(("rate", "channels"), [(48000, 1), (44100, 6), (22050, 2)])
def test_odd_rates_and_channel_counts_give_the_same_transcript(backend, tmp_path, rate, channels):
    clip, path = write_odd(tmp_path, rate, channels)
    original, odd = transcribe(backend, clip), transcribe(backend, path)
    assert wer(original.raw_text, odd.raw_text) <= 0.1  # at most one word in ~12
    start_diff, end_diff, matched = word_time_errors(original.words, odd.words)
    assert matched >= 0.8 * len(original.words) and start_diff <= 0.02 and end_diff <= 0.02


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="the fixture model never heard telephone-band speech: "
                   "8 kHz clips give 62.5 % WER vs 10.2 % at 16 kHz (tests/fixtures/README.md)")
def test_telephone_band_8khz(backend, tmp_path):
    clip, path = write_odd(tmp_path, 8000, 1)
    truth = load_truth(clip.with_suffix(".json"))
    band_limited, full_band = transcribe(backend, path).raw_text, transcribe(backend, clip).raw_text
    assert wer(truth["text"], band_limited) <= wer(truth["text"], full_band) + 0.1


@pytest.mark.parametrize("kind", ["zeros", "quiet noise"])
def test_silence_gives_an_empty_transcript(backend, kind):
    rng = np.random.default_rng(0)
    samples = np.zeros(10 * SAMPLE_RATE) if kind == "zeros" else 0.003 * rng.standard_normal(10 * SAMPLE_RATE)
    buf = io.BytesIO()
    sf.write(buf, samples, SAMPLE_RATE, format="WAV")
    transcript = transcribe(backend, buf.getvalue(), filename="tiho.wav")
    assert transcript.segments == [] and transcript.text == ""
    assert transcript.info.audio.filename == "tiho.wav" and transcript.info.audio.duration == 10.0


@pytest.fixture(scope="module")
def long_run(backend, tmp_path_factory):
    """A ≥ 10-minute file of the clips with varied gaps, transcribed in 20 s chunks, and its chunks."""
    samples, truth_words, placements = build_long_audio(600)
    path = tmp_path_factory.mktemp("long") / "long.flac"
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    options = TranscribeOptions(max_chunk=20.0)
    chunks = list(plan_chunks(decode_audio(path), options.max_chunk))
    return transcribe(backend, path, options), truth_words, placements, chunks


@pytest.fixture(scope="module")
def one_by_one(backend):
    """Each clip transcribed on its own."""
    return [transcribe(backend, c) for c in CLIPS]


def test_long_file_no_word_lost_or_doubled_at_cuts(long_run, one_by_one):
    transcript, truth_words, placements, chunks = long_run
    assert transcript.info.audio.duration >= 600 and len(chunks) >= 30
    assert max(c.duration for c in chunks) <= 20.0
    assert all(c.start % FRAME_GRID == 0 for c in chunks)
    check_invariants(transcript)
    alone = [w.shifted(offset) for i, offset in placements for w in one_by_one[i].words]
    check_cuts(chunks, truth_words, transcript.words, alone)
    assert abs(len(transcript.words) - len(truth_words)) <= 0.05 * len(truth_words)


def test_long_file_wer_matches_clip_by_clip(long_run, one_by_one):
    transcript, truth_words, placements, _ = long_run
    truth_text = " ".join(w.word for w in truth_words)
    clip_wer = wer(truth_text, " ".join(one_by_one[i].raw_text for i, _ in placements))  # the same clips, one by one
    long_wer = wer(truth_text, transcript.raw_text)
    print(f"long: WER {long_wer:.3%}, the same clips one by one {clip_wer:.3%}")
    assert long_wer <= clip_wer + 0.005


def overlapping(word, hyp_words):
    """The recognised words that cover more than half of ``word``."""
    return [h for h in hyp_words if min(h.end, word.end) - max(h.start, word.start) > 0.5 * (word.end - word.start)]


def check_cuts(chunks, truth_words, hyp_words, alone_words):
    """At every cut, each true word within 2 s of it is one recognised word, as it is in its clip alone.

    A word that the model misses or splits even in the clip alone is the model's error, not the cut's.
    """
    checked = 0
    for cut in (c.end / SAMPLE_RATE for c in chunks[:-1]):
        near = [w for w in truth_words if abs(w.start - cut) < 2 or abs(w.end - cut) < 2]
        for w in (w for w in near if len(overlapping(w, alone_words)) == 1):
            found = overlapping(w, hyp_words)
            assert len(found) == 1, f"word {w.word!r} at {w.start:.2f}s near cut {cut:.2f}s: {found}"
            checked += 1
    assert checked >= 3 * (len(chunks) - 1)  # several words around every cut


def test_transcript_json_round_trips(backend):
    clip, _ = reference_clip()
    transcript = transcribe(backend, clip)
    from asr.types import Transcript

    assert Transcript.from_dict(json.loads(json.dumps(transcript.to_dict()))) == transcript


def test_model_info_remap_rules_are_applied(backend, tmp_path, tiny_model):
    from asr.engine import Engine

    clip, _ = reference_clip()
    first = transcribe(backend, clip).words[0].word
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "conformer_ctc_bpe.nemo").symlink_to(tiny_model)
    (folder / "model.info").write_text(f"features:\n  remap:\n    {first}: PREPIS\n", encoding="utf-8")
    remapped = transcribe(LocalBackend(Engine(folder / "conformer_ctc_bpe.nemo", device="cpu")), clip)
    assert remapped.words[0].word == "PREPIS"
    assert first not in remapped.raw_text.split()


@pytest.fixture(scope="module")
def two_minutes(tmp_path_factory):
    samples, _, _ = build_long_audio(120, seed=3)
    path = tmp_path_factory.mktemp("two") / "two.flac"
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    return path


def test_batch_size_4_gives_the_words_of_batch_size_1(backend, two_minutes):
    one = transcribe(backend, two_minutes, TranscribeOptions(batch_size=1))
    four = transcribe(backend, two_minutes, TranscribeOptions(batch_size=4))
    assert len(one.words) > 100
    assert [w.word for w in four.words] == [w.word for w in one.words]
    start_diff, end_diff, matched = word_time_errors(one.words, four.words)
    assert matched == len(one.words) and start_diff <= 0.005 and end_diff <= 0.005


BF16_MAX_WER_CHANGE = 0.02  # bf16 on the CPU may change the fixture model's WER on the clips by at most this


def test_bf16_on_the_cpu_stays_within_two_points_of_fp32(backend, tiny_model):
    bf16 = LocalBackend(Engine(tiny_model, "tiny-sl", "cpu", precision="bf16"))
    assert bf16.info.precision == "bf16" and backend.info.precision == "fp32"
    truth = " ".join(load_truth(c.with_suffix(".json"))["text"] for c in CLIPS)
    fp32_text = " ".join(transcribe(backend, c).raw_text for c in CLIPS)
    bf16_transcripts = [transcribe(bf16, c) for c in CLIPS]
    assert all(t.info.precision == "bf16" for t in bf16_transcripts)
    fp32_wer, bf16_wer = wer(truth, fp32_text), wer(truth, " ".join(t.raw_text for t in bf16_transcripts))
    print(f"fixture clips: fp32 WER {fp32_wer:.2%}, bf16 WER {bf16_wer:.2%}")
    assert abs(bf16_wer - fp32_wer) <= BF16_MAX_WER_CHANGE
