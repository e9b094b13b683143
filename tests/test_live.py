"""Live dictation's core (asr.live) with the fixture model, no browser: the committed clips streamed in 0.5 s
pieces. Committed words never change, come in order and only once they are GUARD seconds behind the live edge;
the final transcript's WER is within 1.5 points of the same audio transcribed as a file."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import soundfile as sf
from conftest import AUDIO
from helpers import build_long_audio, check_invariants, load_truth, wer
from scipy.signal import resample_poly

from asr.audio import SAMPLE_RATE, decode_audio
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.errors import ModelError
from asr.live import GUARD, STEP_INTERVAL, LiveAudio, LiveDecoder, LiveWorker, Resampler, live_transcript
from asr.options import TranscribeOptions
from asr.pipeline import Audio, transcribe
from asr.types import AudioInfo

PIECE = int(STEP_INTERVAL * SAMPLE_RATE)  # samples the microphone delivers at a time
MAX_WER_GAP = 0.015  # the dictation's WER may exceed the file's by this much
CLIP = AUDIO / "wav16k_mono.wav"


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model, "tiny-sl", "cpu")


@pytest.fixture(scope="module")
def speech():
    """Over a minute of the clips with varied pauses, and its true words."""
    samples, truth, _ = build_long_audio(60)
    return samples, " ".join(w.word for w in truth)


def stream(engine, samples: np.ndarray):
    """Feed `samples` piece by piece with one step after each; every step's update and the committed list."""
    audio = LiveAudio()
    decoder = LiveDecoder(engine, audio)
    steps = []
    for at in range(0, samples.size, PIECE):
        audio.append(samples[at : at + PIECE])
        steps.append((decoder.step(), list(decoder.committed)))
    steps.append((decoder.step(final=True), list(decoder.committed)))
    return decoder, steps


@pytest.fixture(scope="module")
def streamed(engine, speech):
    return stream(engine, speech[0])


def test_committed_words_never_change_and_wait_for_the_guard(streamed):
    decoder, steps = streamed
    for (_, before), (update, after) in zip(steps, steps[1:], strict=False):
        assert after[: len(before)] == before, "a committed word changed"
        assert after[len(before):] == update.committed
    for update, _ in steps[:-1]:
        assert all(w.end <= update.edge - GUARD for w in update.committed)
        assert all(w.end > update.edge - GUARD for w in update.pending[:1])
    words = decoder.committed
    assert len(words) > 50
    assert all(a.start < b.start and a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert all(w.start < w.end and 0 <= w.confidence <= 1 for w in words)


def test_words_appear_while_the_audio_arrives(streamed):
    _, steps = streamed
    before_end = sum(len(update.committed) for update, _ in steps[:-1])
    assert before_end >= 0.8 * len(steps[-1][1]), "most words are final before the audio ends"


def test_final_wer_is_that_of_the_file_within_one_and_a_half_points(engine, streamed, speech, tmp_path):
    decoder, _ = streamed
    samples, reference = speech
    path = tmp_path / "speech.wav"
    sf.write(path, samples, SAMPLE_RATE, subtype="PCM_16")
    file_words = transcribe(LocalBackend(engine), path).words
    live, whole = wer(reference, " ".join(w.word for w in decoder.committed)), wer(
        reference, " ".join(w.word for w in file_words))
    assert live <= whole + MAX_WER_GAP, (live, whole)


def test_silence_gives_no_words_and_the_window_does_not_grow(engine):
    decoder, steps = stream(engine, np.zeros(20 * SAMPLE_RATE, np.float32))
    assert decoder.committed == []
    assert decoder.point >= 20 - GUARD - STEP_INTERVAL, "the decided point moves over a pause"


def test_the_worker_decodes_on_its_thread_and_finish_commits_the_rest(engine):
    samples = decode_audio(CLIP)
    worker = LiveWorker(lambda: engine, interval=0.1).start()
    for at in range(0, samples.size, PIECE):
        worker.audio.append(samples[at : at + PIECE])
    words = worker.finish(timeout=120)
    truth = load_truth(CLIP.with_suffix(".json"))["text"]
    alone = transcribe(LocalBackend(engine), CLIP).text
    assert wer(truth, " ".join(w.word for w in words)) <= wer(truth, alone) + 0.1
    assert worker.snapshot() == (words, []) and worker.costs


def test_a_model_that_cannot_load_is_raised_by_finish():
    def broken():
        raise ModelError("The model file is damaged; download it again.")

    worker = LiveWorker(broken).start()
    worker.audio.append(np.zeros(SAMPLE_RATE, np.float32))
    with pytest.raises(ModelError, match="damaged"):
        worker.finish(timeout=30)


def test_microphone_pieces_at_48_khz_join_without_loss():
    """int16 stereo pieces at 48 kHz, as browsers record, resampled piece by piece = the clip at 16 kHz."""
    clip = decode_audio(CLIP)
    mic = np.round(resample_poly(clip, 3, 1) * 32767).astype(np.int16)
    stereo = np.stack([mic, mic], axis=1)
    resample = Resampler(48000)
    out = np.concatenate([resample(stereo[at : at + 4800]) for at in range(0, len(stereo), 4800)] + [resample(None)])
    assert abs(out.size - clip.size) <= 16  # samples: the filter's delay at most
    n = min(out.size, clip.size)
    assert np.corrcoef(out[:n], clip[:n])[0, 1] > 0.99


def test_the_live_audio_buffer_grows_and_snapshots_stay(engine):
    audio = LiveAudio(capacity=10)
    audio.append(np.ones(8, np.float32))
    first = audio.samples()
    threads = [threading.Thread(target=audio.append, args=(np.full(1000, i, np.float32),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert audio.samples().size == 4008 and first.tolist() == [1.0] * 8
    assert sorted(set(audio.samples()[8:].tolist())) == [0.0, 1.0, 2.0, 3.0]


def test_the_saved_transcript_groups_the_words_like_a_files(streamed, speech, engine):
    decoder, _ = streamed
    samples, _ = speech
    audio = Audio(samples, AudioInfo("narek.flac", round(samples.size / SAMPLE_RATE, 3), "x"))
    transcript = live_transcript(decoder.committed, audio, engine.info, TranscribeOptions(text="raw"), 1.5)
    check_invariants(transcript)
    assert transcript.words == decoder.committed and len(transcript.segments) > 3
    assert transcript.info.audio.filename == "narek.flac" and transcript.processing_time == 1.5
    readable = live_transcript(decoder.committed, audio, engine.info, TranscribeOptions(text="readable"))
    assert readable.words == decoder.committed and readable.segments[0].text[0].isupper()
