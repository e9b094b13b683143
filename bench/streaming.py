"""Streaming cost over a long recording: is the work per batch flat from the first batch to the last?

    .venv/bin/python -m bench.streaming                 # 4 h of the committed clips, fixture model, 20 s chunks
    .venv/bin/python -m bench.streaming --hours 1

Runs the pipeline as the web app's job does (transcribe_stream, each Update's new segments appended to a real
SQLite store) and records, per batch, the seconds of the pipeline step, the seconds of the store write, the rows
written and SQLite's own count of changed rows. Prints the means over the first and the last 100 batches; writes
bench/results/streaming-DATE.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.backends import LocalBackend
from asr.config import REPO_ROOT
from asr.engine import Engine
from asr.options import TranscribeOptions
from asr.pipeline import Audio, transcribe_stream
from asr.store import Store
from asr.types import AudioInfo, Transcript, TranscriptionInfo
from bench import write_result

sys.path.insert(0, str(REPO_ROOT / "tests"))
from helpers import build_long_audio  # noqa: E402

MODEL = REPO_ROOT / "tests" / "fixtures" / "tiny-sl.nemo"
WINDOW = 100  # batches averaged at the start and at the end


def run(hours: float, db: Path) -> list[dict]:
    samples, _, _ = build_long_audio(hours * 3600)
    audio = Audio(samples, AudioInfo("long.wav", round(samples.size / SAMPLE_RATE, 3)))
    store = Store(db)
    tid = store.create("bench", Transcript([], TranscriptionInfo(audio=audio.info)))
    backend = LocalBackend(Engine(MODEL, "tiny-sl", "cpu"))
    batches = []
    previous = time.perf_counter()
    # speakers off: they are found once at the end of a run (bench/speakers_speed.py measures that)
    for update in transcribe_stream(backend, audio, TranscribeOptions(speakers="off")):
        step = time.perf_counter() - previous
        changes = store.changes
        written_at = time.perf_counter()
        rows = store.append("bench", tid, update.new, update.transcript)
        batches.append({"step": step, "store": time.perf_counter() - written_at, "rows": rows,
                        "sqlite_changes": store.changes - changes,
                        "segments_so_far": len(update.transcript.segments)})
        previous = time.perf_counter()
    store.close()
    return batches[1:]  # the first update is the decoded audio, before any batch


def summary(batches: list[dict]) -> dict:
    def mean(part, key):
        return float(np.mean([b[key] for b in part]))

    first, last = batches[:WINDOW], batches[-WINDOW:]
    return {name: {key: mean(part, key) for key in ("step", "store", "rows", "sqlite_changes", "segments_so_far")}
            for name, part in (("first", first), ("last", last))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=4.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        batches = run(args.hours, Path(tmp) / "bench.sqlite3")
        wall = time.perf_counter() - started
    result = {"date": date.today().isoformat(), "hours": args.hours, "batches": len(batches), "wall": wall,
              **summary(batches)}
    for name in ("first", "last"):
        s = result[name]
        print(f"{name} {WINDOW} batches: pipeline step {s['step'] * 1000:.0f} ms, "
              f"store write {s['store'] * 1000:.1f} ms, "
              f"{s['rows']:.2f} rows / {s['sqlite_changes']:.2f} SQLite changes per batch, "
              f"{s['segments_so_far']:.0f} segments so far")
    print(f"{len(batches)} batches in {wall:.0f} s")
    write_result(f"streaming-{result['date']}", result)


if __name__ == "__main__":
    main()
