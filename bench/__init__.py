"""Benchmarks (not tests): speed, memory and accuracy, their results in bench/results/ and docs/benchmarks.md."""

from __future__ import annotations

import json
from pathlib import Path

from asr.config import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results"


def write_result(name: str, result: dict) -> Path:
    """Write a benchmark's result as bench/results/NAME.json and say where."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return path
