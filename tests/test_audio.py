"""Decoding to 16 kHz mono float32, and a clear AudioError for every kind of bad input."""

from __future__ import annotations

import io
import os
import tempfile

import av
import numpy as np
import pytest
import soundfile as sf

from asr.audio import SAMPLE_RATE, AudioError, AudioLimits, decode_audio, encode_flac


def tone(freq: float, seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.repeat(mono[:, None], channels, axis=1).astype(np.float32)


def wav_bytes(data: np.ndarray, rate: int, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, data, rate, subtype=subtype, format=fmt)
    return buf.getvalue()


def dominant_frequency(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum) * SAMPLE_RATE / x.size)


@pytest.mark.parametrize(("rate", "channels", "subtype"), [
    (8000, 1, "PCM_16"), (44100, 2, "PCM_24"), (48000, 6, "FLOAT"), (22050, 1, "PCM_U8"), (96000, 2, "PCM_32"),
])
def test_any_rate_width_and_channel_count_becomes_16k_mono(tmp_path, rate, channels, subtype):
    path = tmp_path / "tone.wav"
    sf.write(path, tone(440, 2.0, rate, channels), rate, subtype=subtype)
    samples = decode_audio(path)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - 2 * SAMPLE_RATE) <= SAMPLE_RATE // 100
    assert abs(dominant_frequency(samples) - 440) < 2
    assert 0.4 < np.abs(samples).max() <= 1.0


def test_bytes_and_paths_decode_alike(tmp_path):
    data = wav_bytes(tone(300, 1.0, 16000), 16000)
    (tmp_path / "a.wav").write_bytes(data)
    assert np.array_equal(decode_audio(data), decode_audio(tmp_path / "a.wav"))


def test_flac_round_trip_keeps_the_signal():
    x = tone(500, 1.0, SAMPLE_RATE)[:, 0]
    y = decode_audio(encode_flac(x))
    assert np.max(np.abs(x - y)) < 1e-3


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"just some text, renamed to .wav\n" * 10, "not an audio or video file"),
    (b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(300), "not an audio or video file"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        decode_audio(path)


def test_one_sample_and_too_short(tmp_path):
    for n in (1, 1500):
        path = tmp_path / f"{n}.wav"
        sf.write(path, np.zeros(n, np.int16), 16000)
        with pytest.raises(AudioError, match=r"at least 0\.1 s"):
            decode_audio(path)


def test_truncated_wav_gives_what_is_there(tmp_path):
    full = wav_bytes(tone(440, 2.0, 16000), 16000)
    samples = decode_audio(full[: len(full) // 2])
    assert abs(samples.size - SAMPLE_RATE) < 200


def test_limits(tmp_path):
    data = wav_bytes(tone(440, 3.0, 16000), 16000)
    with pytest.raises(AudioError, match="longer than the limit of 2 s"):
        decode_audio(data, AudioLimits(max_duration=2.0))
    with pytest.raises(AudioError, match="is bigger than the limit of 1000 bytes"):
        decode_audio(data, AudioLimits(max_bytes=1000))


def test_nan_samples_are_refused():
    data = tone(440, 1.0, 16000)
    data[100] = np.nan
    with pytest.raises(AudioError, match="invalid samples"):
        decode_audio(wav_bytes(data, 16000, "FLOAT"))


def test_video_without_audio_track(tmp_path):
    path = tmp_path / "silent-film.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 64, 48
        for _ in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(AudioError, match="has no audio track"):
        decode_audio(path)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="File not found"):
        decode_audio(tmp_path / "nowhere.mp3")


def test_no_temp_files_left_behind(tmp_path):
    before = set(os.listdir(tempfile.gettempdir()))
    for content in (b"", b"not audio" * 50, wav_bytes(tone(440, 1.0, 8000), 8000)):
        try:
            decode_audio(content)
        except AudioError:
            pass
    assert set(os.listdir(tempfile.gettempdir())) - before == set()

