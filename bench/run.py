"""Run the benchmark: ceiling, Prepis end to end and the seed-style baseline on 1, 10 and 60 minutes of speech.

    python -m bench.run                       # all three on 1, 10, 60 min; results to bench/results/
    python -m bench.run --minutes 1 10 --kinds prepis ceiling

The speech is the committed test clips (synthetic Slovenian) concatenated with varied pauses and
encoded as MP3, so decoding is part of the measured path. The model is the RSDO architecture with
random weights (bench/rsdo_model.py): real speed and memory, meaningless words.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np

from asr.audio import SAMPLE_RATE, decode_audio
from asr.config import REPO_ROOT
from bench.rsdo_model import CACHE, model_for_bench

CLIPS = REPO_ROOT / "tests" / "fixtures" / "audio"
RESULTS = REPO_ROOT / "bench" / "results"
GAPS = (0.1, 0.3, 0.6, 1.0, 2.0)  # seconds of silence between clips
SEED_MAX_MINUTES = 10  # the baseline on 60 min would take ~40 min of CPU; its RTFx does not depend on length


def speech_file(minutes: int) -> Path:
    """An MP3 of `minutes` of speech made from the committed clips (cached)."""
    import av

    path = CACHE / f"speech-{minutes}min.mp3"
    if path.is_file():
        return path
    rng = np.random.default_rng(minutes)
    clips = [decode_audio(p) for p in sorted(CLIPS.glob("wav*.wav"))]
    parts, n = [], 0
    while n < minutes * 60 * SAMPLE_RATE:
        clip = clips[rng.integers(len(clips))]
        parts += [clip, np.zeros(int(rng.choice(GAPS) * SAMPLE_RATE), np.float32)]
        n += parts[-2].size + parts[-1].size
    samples = np.concatenate(parts)[: minutes * 60 * SAMPLE_RATE]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libmp3lame", rate=SAMPLE_RATE)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "gpu": gpu, "torch": torch.__version__,
            "python": platform.python_version()}


def run_one(kind: str, audio: Path, model: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "bench.measure", kind, str(audio), str(model), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO_ROOT, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, nargs="+", default=[1, 10, 60])
    parser.add_argument("--kinds", nargs="+", default=["ceiling", "prepis", "seed"])
    parser.add_argument("--label", default="cpu", help="name of the results file: bench/results/LABEL-DATE.json")
    parser.add_argument("extra", nargs="*", help="passed to bench.measure, e.g. -- --max-chunk 15")
    args = parser.parse_args()
    model = model_for_bench()
    rows = []
    for minutes in args.minutes:
        audio = speech_file(minutes)
        for kind in args.kinds:
            if kind == "seed" and minutes > SEED_MAX_MINUTES:
                continue
            row = run_one(kind, audio, model, args.extra) | {"minutes": minutes}
            print(json.dumps(row), flush=True)
            rows.append(row)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{args.label}-{date.today().isoformat()}.json"
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    out.write_text(json.dumps({"machine": machine(), "command": command, "date": date.today().isoformat(),
                               "model": model.name, "rows": rows}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
