"""Peak memory and time of aligning a long script to its recording (`python -m asr align`), in a fresh process.

    .venv/bin/python -m bench.align_script MODEL [--minutes 10] [--minutes 30]

Builds a recording of the committed clips laid end to end (tests/test_pipeline.build_long_audio) and its script
(one paragraph per clip), runs the CLI on them as a child process and prints one JSON line per length: the child's
peak RSS, the wall time and the mean/max word-start error against the truth.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(model: Path, minutes: float, folder: Path) -> dict:
    import numpy as np
    import soundfile as sf

    sys.path.insert(0, str(ROOT / "tests"))
    from test_pipeline import build_long_audio

    samples, truth, _ = build_long_audio(60 * minutes)
    audio, script = folder / f"long-{minutes:g}.flac", folder / f"long-{minutes:g}.txt"
    sf.write(audio, samples, 16000, subtype="PCM_16")
    script.write_text(" ".join(w.word for w in truth), encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "asr", "align", str(audio), str(script), "--model", str(model), "-f", "json",
                    "-o", str(folder / f"long-{minutes:g}.json"), "--quiet"], check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    data = json.loads((folder / f"long-{minutes:g}.json").read_text(encoding="utf-8"))
    words = [w for s in data["segments"] for w in s["words"]]
    errors = np.array([abs(w["start"] - t.start) for w, t in zip(words, truth, strict=True)])
    return {"minutes": round(samples.size / 16000 / 60, 2), "words": len(words), "wall_s": round(wall, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "start_error_mean_ms": round(errors.mean() * 1000, 1), "start_error_max_ms": round(errors.max() * 1000)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--minutes", type=float, action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for minutes in args.minutes or [10.0]:  # RUSAGE_CHILDREN is the peak of all children so far: ascending
            print(json.dumps(measure(args.model, minutes, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
