"""Exports measured: subtitle rules on a 16-minute fixture-built file, and the CPU time of every writer on 50 000
segments (each should grow linearly with the transcript).

    python -m bench.exports                 # both; prints a Markdown summary for docs/benchmarks.md
    python -m bench.exports --minutes 16 --segments 50000 5000

The 16-minute file is tests/test_pipeline.py's build_long_audio (the committed clips with varied pauses),
transcribed on the CPU with the fixture model tests/fixtures/tiny-sl.nemo; its SRT is read back with pysubs2 and
every cue checked against the preset (tests/helpers.py subtitle_rule_breaks).
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.config import REPO_ROOT
from asr.exports import FORMATS, ExportOptions, export
from asr.exports.options import PRESETS
from asr.types import AudioInfo, Segment, Transcript, TranscriptionInfo, Word

TESTS = REPO_ROOT / "tests"
MANIFEST_MAX_SEGMENTS = 5000  # about 7 hours of audio, 1.6 GB decoded
WORDS = ("danes smo govorili o tem, kako bo vlada ukrepala glede cen energije. ministrica je dejala, da se bodo "
         "podjetja prilagodila").split()


def fixture_transcript(minutes: float) -> tuple[Transcript, np.ndarray]:
    sys.path.insert(0, str(TESTS))
    from test_pipeline import build_long_audio

    from asr.backends import LocalBackend
    from asr.engine import Engine
    from asr.pipeline import Audio, transcribe

    samples, _, _ = build_long_audio(minutes * 60)
    audio = Audio(samples, AudioInfo("long.flac", samples.size / SAMPLE_RATE))
    backend = LocalBackend(Engine(TESTS / "fixtures" / "tiny-sl.nemo", "tiny-sl", "cpu"))
    return transcribe(backend, audio), samples


def subtitle_numbers(transcript: Transcript) -> None:
    import pysubs2
    from helpers import subtitle_rule_breaks

    print(f"{len(transcript.segments)} segments, {len(transcript.words)} words, "
          f"{transcript.info.audio.duration / 60:.1f} min")
    print("| preset | cues | cues breaking a rule | rules broken | longest line (chars) | longest cue (s) "
          "| shortest cue (s) | highest chars/s |")
    print("|---|---|---|---|---|---|---|---|")
    for name, preset in PRESETS.items():
        text = export(transcript, "srt", ExportOptions(subtitles=name)).decode("utf-8")
        events = pysubs2.SSAFile.from_string(text).events
        breaks = subtitle_rule_breaks(text, preset)
        broken = {b.split(":")[0] for b in breaks}
        lengths = [(e.end - e.start) / 1000 for e in events]
        cps = max(len(e.plaintext.replace("\n", "")) / d for e, d in zip(events, lengths, strict=True))
        longest = max(len(line) for e in events for line in e.plaintext.split("\n"))
        print(f"| {name} | {len(events)} | {len(broken)} | {len(breaks)} | {longest} | {max(lengths):.2f} "
              f"| {min(lengths):.2f} | {cps:.1f} |")
        for b in breaks:
            print("   ", b)


def synthetic(n: int, seed: int = 1) -> Transcript:
    """n segments of 4–20 words, two speakers, some reviewed and edited."""
    rng = random.Random(seed)
    segments, t = [], 0.0
    for i in range(n):
        words = []
        for _ in range(rng.randint(4, 20)):
            text = rng.choice(WORDS)
            words.append(Word(text, round(t, 3), round(t + 0.3, 3), rng.random()))
            t += 0.35
        s = Segment.from_words(i, words, speaker=f"Govorec {1 + i % 2}")
        s.reviewed = i % 3 == 0
        if i % 7 == 0:
            s.text, s.edited = s.text.capitalize() + "!", True
        segments.append(s)
        t += 0.8
    return Transcript(segments, TranscriptionInfo(AudioInfo("long.flac", t)))


def writer_times(counts: list[int]) -> None:
    """Seconds per writer; the manifest only up to MANIFEST_MAX_SEGMENTS (its decoded audio must fit in memory)."""
    print("| format | " + " | ".join(f"{n} segments (CPU s)" for n in counts) + " |")
    print("|---|" + "---|" * len(counts))
    transcripts = {n: synthetic(n) for n in counts}
    for fmt in FORMATS:
        cells = []
        for n in counts:
            samples = None
            if fmt == "manifest":
                if n > MANIFEST_MAX_SEGMENTS:
                    cells.append("—")
                    continue
                samples = np.zeros(int(transcripts[n].segments[-1].end * SAMPLE_RATE) + SAMPLE_RATE, np.float32)
            began = time.process_time()
            export(transcripts[n], fmt, ExportOptions(words_tier=True), samples)
            cells.append(f"{time.process_time() - began:.2f}")
        print(f"| {fmt} | " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=16.0, help="0: skip the fixture file")
    parser.add_argument("--segments", type=int, nargs="*", default=[5000, 50000], help="none: skip the timing")
    args = parser.parse_args(argv)
    if args.minutes:
        transcript, _ = fixture_transcript(args.minutes)
        subtitle_numbers(transcript)
    if args.segments:
        writer_times(args.segments)


if __name__ == "__main__":
    main()
