"""Speed and memory of speaker diarization on one long synthetic conversation (tools/make_conversations.py).

    .venv/bin/python -m bench.speakers_speed [--minutes 60] [--speakers 4]

The speech regions are the true turns joined across short pauses (what the recognised words' times give the
pipeline), so the time is diarization alone: spectrograms, the voice encoder, clustering, turns. Reports wall
time, this process's CPU time, the real-time factor of both, the extra peak memory (resident set sampled every
SAMPLE_EVERY s, above what the process held with the audio decoded; it includes importing torch and loading the
voice encoder, which the app has done before), and the DER of the result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import threading
import time
from datetime import date

import psutil

from asr.audio import SAMPLE_RATE
from asr.config import REPO_ROOT
from asr.speakers import REGION_GAP, diarize, join_spans
from bench.der import score

sys.path.insert(0, str(REPO_ROOT / "tools"))
import make_conversations  # noqa: E402

SAMPLE_EVERY = 0.05  # seconds between memory samples
SEED = 60


class PeakMemory:
    """The largest resident set of this process while the block runs, sampled in a thread."""

    def __init__(self):
        self.process, self.peak, self._stop = psutil.Process(), 0, threading.Event()

    def __enter__(self):
        self.base = self.peak = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def extra_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--speakers", type=int, default=4)
    args = parser.parse_args(argv)
    audio, truth = make_conversations.conversation(random.Random(SEED), make_conversations.word_list(),
                                                   args.speakers, args.minutes)
    reference = [(t["speaker"], t["start"], t["end"]) for t in truth["turns"]]
    regions = join_spans([(s, e) for _, s, e in reference], REGION_GAP)
    duration = audio.size / SAMPLE_RATE
    with PeakMemory() as memory:
        wall, cpu = time.perf_counter(), time.process_time()
        turns = diarize(audio, regions)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = {
        "date": date.today().isoformat(), "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "load_average": os.getloadavg(), "duration_s": round(duration, 1),
        "speech_s": round(sum(e - s for s, e in regions), 1), "speakers": args.speakers,
        "found": len({t.speaker for t in turns}), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "rtfx_wall": round(duration / wall, 1), "rtfx_cpu": round(duration / cpu, 1),
        "extra_peak_mb": round(memory.extra_mb), "der": round(score(reference, [(t.speaker, t.start, t.end)
                                                                               for t in turns]).der, 4),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
