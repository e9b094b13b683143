#!/usr/bin/env python
"""Make the committed speech fixtures ``tests/fixtures/audio/NAME.EXT`` + ``NAME.json`` (exact word truth).

Each clip is composed from espeak-ng words (held-out voices and speeds, a few held-out words) exactly like the
model's test utterances (see tools/make_test_model.py), written as a 16 kHz float master and encoded with ffmpeg
into one container/codec per clip. Every encoded file is then decoded with PyAV and cross-correlated against the
master to check that the truth is still aligned (ffmpeg stores the encoder delay: LAME gapless header for MP3,
pre-skip for Opus, an edit list for AAC in MP4/M4A; the decoder trims it).

Usage:
  .venv/bin/python tools/make_test_clips.py            # write the clips and print the alignment check
  .venv/bin/python tools/make_test_clips.py --check    # only check the committed clips
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the asr package
import make_test_model as mtm  # noqa: E402

from asr.audio import decode_audio  # noqa: E402

AUDIO_DIR = mtm.FIXTURES / "audio"
CLIP_SEED = 7
MAX_LAG = 0.010  # seconds of misalignment tolerated after decoding
HELDOUT_WORDS_PER_CLIP = 2

# name, extension, ffmpeg output options, voice variant, speed, number of words
CLIPS = (
    ("wav16k_mono", "wav", ["-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le"], "m4", 135, 12),
    ("wav44k_stereo", "wav", ["-ar", "44100", "-ac", "2", "-c:a", "pcm_s16le"], "f4", 175, 12),
    ("flac", "flac", ["-ar", "16000", "-ac", "1", "-c:a", "flac", "-sample_fmt", "s16"], "f4", 135, 10),
    ("mp3", "mp3", ["-ar", "44100", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "96k"], "m4", 175, 12),
    ("opus", "ogg", ["-ar", "48000", "-ac", "1", "-c:a", "libopus", "-b:a", "32k"], "m4", 135, 11),
    ("aac", "m4a", ["-ar", "44100", "-ac", "1", "-c:a", "aac", "-b:a", "96k"], "f4", 175, 10),
    ("webm_opus", "webm", ["-ar", "48000", "-ac", "1", "-c:a", "libopus", "-b:a", "32k"], "f4", 135, 9),
    ("video", "mp4", ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                      "-ar", "44100", "-ac", "1", "-shortest"], "m4", 175, 12),
)


def plan_clips() -> list[tuple[str, str, list, list[tuple[str, str, int, int]]]]:
    """(name, ext, ffmpeg options, synthesis jobs) per clip; fixed seed."""
    train_words, heldout_words = mtm.build_word_lists()
    rng = random.Random(CLIP_SEED)
    plans = []
    for name, ext, opts, variant, speed, n in CLIPS:
        words = rng.sample(train_words, n - HELDOUT_WORDS_PER_CLIP) + rng.sample(heldout_words, HELDOUT_WORDS_PER_CLIP)
        rng.shuffle(words)
        pitch = rng.randint(*mtm.PITCH_RANGE)
        plans.append((name, ext, opts, [(w, variant, speed, pitch) for w in words]))
    return plans


def encode(master: Path, out: Path, ext: str, opts: list[str]) -> None:
    """Encode the master WAV with ffmpeg (a lavfi colour source as the video track for mp4)."""
    video = ["-f", "lavfi", "-i", "color=c=navy:s=160x120:r=10"] if ext == "mp4" else []
    maps = ["-map", "0:v", "-map", "1:a"] if ext == "mp4" else []
    cmd = ["ffmpeg", "-y", "-loglevel", "error", *video, "-i", str(master), *maps, *opts, "-map_metadata", "-1",
           "-fflags", "+bitexact", str(out)]
    subprocess.run(cmd, check=True)


def lag_seconds(reference: np.ndarray, decoded: np.ndarray, max_lag: float = 0.2) -> float:
    """Delay of ``decoded`` relative to ``reference`` (seconds, positive = late), by cross-correlation."""
    from scipy.signal import correlate

    n = min(len(reference), len(decoded))
    corr = correlate(decoded[:n], reference[:n], mode="full", method="fft")
    lags = np.arange(-n + 1, n)
    window = np.abs(lags) <= int(max_lag * mtm.SAMPLE_RATE)
    return float(lags[window][np.argmax(corr[window])] / mtm.SAMPLE_RATE)


def make_clips() -> None:
    """Synthesise, compose, encode and check all clips; write the truth JSON beside each."""
    plans = plan_clips()
    synth = mtm.synthesise(sorted({job for *_, jobs in plans for job in jobs}), "clips")
    rng = np.random.default_rng(CLIP_SEED)
    AUDIO_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, ext, opts, jobs in plans:
            audio, truth = mtm.compose(rng, [(j[0], synth[j]) for j in jobs], snr_db=(25.0, 35.0), p_clean=0.0,
                                       p_filter=0.0)
            master = Path(tmp) / f"{name}.wav"
            sf.write(master, audio, mtm.SAMPLE_RATE, subtype="FLOAT")
            np.save(Path(tmp) / f"{name}.npy", audio)
            out = AUDIO_DIR / f"{name}.{ext}"
            encode(master, out, ext, opts)
            words = [{"word": w["word"], "start": round(w["start"], 3), "end": round(w["end"], 3)} for w in truth]
            info = {"text": " ".join(w["word"] for w in words), "words": words,
                    "source": {"voice": f"sl+{jobs[0][1]}", "speed": jobs[0][2], "pitch": jobs[0][3],
                               "duration": round(len(audio) / mtm.SAMPLE_RATE, 3)}}
            out.with_suffix(".json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            check(out, audio)


def check(path: Path, reference: np.ndarray) -> float:
    """Print and return the decoded file's lag against the reference; fail loudly if above MAX_LAG."""
    decoded = decode_audio(path)
    lag = lag_seconds(reference, decoded)
    dur = len(decoded) / mtm.SAMPLE_RATE
    print(f"{path.name:24s} {path.stat().st_size / 1e3:7.1f} kB  decoded {dur:6.2f} s  lag {lag * 1000:+6.1f} ms")
    if abs(lag) > MAX_LAG:
        raise SystemExit(f"{path.name}: decoded audio is {lag * 1000:.1f} ms off the truth")
    return lag


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="only check committed clips against the 16 kHz WAV clip")
    args = p.parse_args()
    if not args.check:
        make_clips()
        return
    plans = plan_clips()
    synth = mtm.synthesise(sorted({job for *_, jobs in plans for job in jobs}), "clips")
    rng = np.random.default_rng(CLIP_SEED)
    for name, ext, _, jobs in plans:
        audio, _ = mtm.compose(rng, [(j[0], synth[j]) for j in jobs], snr_db=(25.0, 35.0), p_clean=0.0, p_filter=0.0)
        check(AUDIO_DIR / f"{name}.{ext}", audio)


if __name__ == "__main__":
    main()
