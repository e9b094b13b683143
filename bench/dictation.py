"""Live dictation's cost per update with the RSDO-sized model on this machine's CPU.

    .venv/bin/python -m bench.dictation                  # RSDO architecture (random weights unless downloaded)
    .venv/bin/python -m bench.dictation --model tests/fixtures/tiny-sl.nemo --seconds 120

Two measurements: (1) the seconds one decode of a window of 2-8 s takes (median of --repeats), since each update
of asr.live.LiveDecoder decodes the audio since the last final word plus its left context; (2) a dictation of
--seconds of the committed clips fed in 0.5 s pieces, one update per piece as the worker does it: the window
lengths and the seconds of every update. One dictating user keeps up while an update costs less than the
worker's STEP_INTERVAL. The machine is shared: the load average before and after is recorded with the result in
bench/results/dictation-DATE.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.config import REPO_ROOT
from asr.engine import Engine
from asr.live import GUARD, LEFT_CONTEXT, STEP_INTERVAL, LiveAudio, LiveDecoder
from bench import write_result
from bench.rsdo_model import model_for_bench

sys.path.insert(0, str(REPO_ROOT / "tests"))
from helpers import build_long_audio  # noqa: E402

WINDOWS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0)  # seconds of audio decoded in one update


def window_costs(engine: Engine, samples: np.ndarray, repeats: int) -> dict[str, float]:
    """Median seconds of one recognize() of the first `w` seconds, for each window length."""
    engine.recognize([samples[: SAMPLE_RATE]])  # warm-up
    costs = {}
    for w in WINDOWS:
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            engine.recognize([samples[: int(w * SAMPLE_RATE)]])
            runs.append(time.perf_counter() - started)
        costs[f"{w:g}"] = round(float(np.median(runs)), 4)
        print(f"window {w:g} s: {costs[f'{w:g}']:.3f} s per decode")
    return costs


def dictate(engine: Engine, samples: np.ndarray) -> dict:
    """Feed `samples` in STEP_INTERVAL pieces with one update after each; the cost and window of every update."""
    audio = LiveAudio()
    decoder = LiveDecoder(engine, audio)
    piece = int(STEP_INTERVAL * SAMPLE_RATE)
    costs, windows = [], []
    for at in range(0, samples.size, piece):
        audio.append(samples[at : at + piece])
        windows.append(audio.seconds - max(0.0, decoder.point - LEFT_CONTEXT))
        started = time.perf_counter()
        decoder.step()
        costs.append(time.perf_counter() - started)
    decoder.step(final=True)
    return {"updates": len(costs), "words": len(decoder.committed),
            "window_median": round(float(np.median(windows)), 3), "window_max": round(max(windows), 3),
            "cost_median": round(float(np.median(costs)), 4), "cost_p90": round(float(np.percentile(costs, 90)), 4),
            "cost_max": round(max(costs), 4), "share_of_interval": round(float(np.median(costs)) / STEP_INTERVAL, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a .nemo (default: the RSDO architecture, bench.rsdo_model)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of dictation")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    path = args.model or model_for_bench()
    load_before = os.getloadavg()
    engine = Engine(path, device="cpu")
    samples, _, _ = build_long_audio(args.seconds)
    result = {"date": date.today().isoformat(), "model": str(path.relative_to(REPO_ROOT)) if path.is_relative_to(
        REPO_ROOT) else str(path), "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "threads": args.threads, "guard": GUARD, "left_context": LEFT_CONTEXT, "interval": STEP_INTERVAL,
              "load_before": [round(x, 2) for x in load_before],
              "window_costs": window_costs(engine, samples, args.repeats), "dictation": dictate(engine, samples)}
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print(result["dictation"], "load", result["load_before"], "->", result["load_after"])
    name = "tiny" if args.model else "rsdo"
    write_result(f"dictation-{name}-{result['date']}", result)


if __name__ == "__main__":
    main()
