#!/usr/bin/env python
"""Make synthetic conversations with known speaker turns, for measuring diarization (bench/diarization.py).

Each conversation has 2-4 speakers (or as many as asked), each an espeak-ng Slovenian voice variant with its own
pitch and speed. A turn is one espeak-ng call on a run of common Slovenian words (wordfreq), 1-20 s long; some
turns are short interjections ("ja", "mhm", "aha", ...). Turns follow each other after a pause of 0.2-1.2 s.
There is no overlapped speech: espeak-ng voices cannot interrupt each other convincingly, and Prepis gives each
word one speaker. Quiet noise runs under the whole file so that no pause is digital silence.

Writes NAME.wav (16 kHz mono) and NAME.json ({"speakers": N, "turns": [{"speaker", "start", "end"}]}, times in
seconds of the sounding part of each turn) into a git-ignored folder; the same seed gives the same files.

Usage:
  .venv/bin/python tools/make_conversations.py                       # 24 files into .cache/conversations
  .venv/bin/python tools/make_conversations.py --count 4 --speakers 1 --out DIR --seed 3 --minutes 2
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / ".cache" / "conversations"
SEED = 20261201
SAMPLE_RATE = 16000  # Hz
ESPEAK_RATE = 22050  # Hz, espeak-ng output
VARIANTS = ("m1", "f1", "m3", "f2", "m6", "f4", "m4", "f3", "klatt", "m2", "f5", "klatt3")
PITCH_RANGE = (25, 75)  # espeak-ng -p
SPEED_RANGE = (130, 185)  # words per minute
TURN_SECONDS = (1.0, 20.0)  # the length of an ordinary turn
INTERJECTIONS = ("ja", "mhm", "aha", "tako", "seveda", "ne", "res", "dobro")
INTERJECTION_SHARE = 0.2  # of turns
PAUSE_SECONDS = (0.2, 1.2)  # between turns
NOISE_RMS = 0.002  # background noise level (about -54 dBFS)
TRIM_THRESHOLD = 0.02  # fraction of a turn's peak amplitude that marks where it sounds
WORDS_PER_SECOND = 2.3  # espeak-ng at about 150 wpm, to size a turn before synthesis


def word_list() -> list[str]:
    from wordfreq import top_n_list

    return [w for w in top_n_list("sl", 2000) if w.isalpha() and len(w) > 1]


def synthesise(text: str, voice: dict) -> np.ndarray:
    """One espeak-ng utterance at 16 kHz, trimmed to where it sounds."""
    cmd = ["espeak-ng", "-v", f"sl+{voice['variant']}", "-s", str(voice["speed"]), "-p", str(voice["pitch"]),
           "--stdout", text]
    wav = subprocess.run(cmd, capture_output=True, check=True).stdout
    data = wav[wav.find(b"data") + 8:]  # streamed WAV: the data chunk size field is bogus, take the rest
    pcm = np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16).astype(np.float32) / 32768.0
    audio = resample_poly(pcm, 320, 441).astype(np.float32)
    loud = np.flatnonzero(np.abs(audio) > TRIM_THRESHOLD * np.abs(audio).max())
    return audio[loud[0]: loud[-1] + 1]


def voices(rng: random.Random, n: int) -> list[dict]:
    """n distinct voice variants, each with its own pitch and speed."""
    return [{"variant": v, "pitch": rng.randint(*PITCH_RANGE), "speed": rng.randint(*SPEED_RANGE)}
            for v in rng.sample(VARIANTS, n)]


def turn_text(rng: random.Random, words: list[str]) -> str:
    if rng.random() < INTERJECTION_SHARE:
        return rng.choice(INTERJECTIONS)
    seconds = rng.uniform(*TURN_SECONDS)
    return " ".join(rng.choices(words, k=max(2, round(seconds * WORDS_PER_SECOND))))


def next_speaker(rng: random.Random, n: int, previous: int | None) -> int:
    """Anyone but the one who just spoke (a monologue goes on)."""
    others = [s for s in range(n) if s != previous]
    return rng.choice(others) if others else 0


def conversation(rng: random.Random, words: list[str], n_speakers: int, minutes: float) -> tuple[np.ndarray, dict]:
    """The audio and its truth: turns until the conversation is `minutes` long, every speaker heard."""
    cast = voices(rng, n_speakers)
    pieces, turns, t, speaker = [], [], rng.uniform(*PAUSE_SECONDS), None
    while t < minutes * 60 or len({turn["speaker"] for turn in turns}) < n_speakers:
        speaker = next_speaker(rng, n_speakers, speaker)
        audio = synthesise(turn_text(rng, words), cast[speaker])
        start = round(t, 3)
        pieces.append((int(start * SAMPLE_RATE), audio))
        turns.append({"speaker": f"S{speaker + 1}", "start": start, "end": round(start + audio.size / SAMPLE_RATE, 3)})
        t = turns[-1]["end"] + rng.uniform(*PAUSE_SECONDS)
    total = int((t + rng.uniform(*PAUSE_SECONDS)) * SAMPLE_RATE)
    mix = np.random.default_rng(rng.randrange(2**32)).normal(0, NOISE_RMS, total).astype(np.float32)
    for at, audio in pieces:
        mix[at: at + audio.size] += 0.5 * audio / max(1e-6, np.abs(audio).max())
    return mix, {"speakers": n_speakers, "voices": cast, "turns": turns}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--count", type=int, default=24, help="files, spread evenly over the numbers of speakers")
    parser.add_argument("--speakers", type=int, nargs="+", default=[2, 3, 4], help="numbers of speakers (1-12)")
    parser.add_argument("--minutes", type=float, default=1.5, help="length of each conversation")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rng, words = random.Random(args.seed), word_list()
    for i in range(args.count):
        n = args.speakers[i % len(args.speakers)]
        audio, truth = conversation(rng, words, n, args.minutes)
        name = f"conv{i:02d}_{n}spk"
        sf.write(args.out / f"{name}.wav", audio, SAMPLE_RATE, subtype="PCM_16")
        (args.out / f"{name}.json").write_text(json.dumps(truth, indent=1), encoding="utf-8")
        print(f"{name}: {audio.size / SAMPLE_RATE:.0f} s, {len(truth['turns'])} turns", file=sys.stderr)


if __name__ == "__main__":
    main()
