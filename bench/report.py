"""Turn bench/results/*.json into the table and plot of docs/benchmarks.md.

    python -m bench.report bench/results/cpu-2026-11-24.json [more.json]   # prints the table, writes the plot
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from asr.config import REPO_ROOT

PLOT = REPO_ROOT / "docs" / "benchmarks.png"
LABELS = {"ceiling": "ceiling (forward only)", "prepis": "Prepis end to end", "seed": "seed-style 5-min transcribe()"}


def table(results: list[dict]) -> str:
    lines = ["| machine | audio | pipeline | RTFx | wall (s) | peak RSS (GB) | model load (s) | first segment (s) |",
             "|---|---|---|---|---|---|---|---|"]
    for result in results:
        where = result["machine"]["gpu"] or f"{result['machine']['cores']}-core CPU"
        for r in result["rows"]:
            first = f"{r['first_segment']:.1f}" if r.get("first_segment") is not None else "-"
            lines.append(f"| {where} | {r['minutes']} min | {LABELS[r['kind']]} | {r['rtfx']:.1f} | {r['wall']:.1f} "
                         f"| {r['peak_rss_mb'] / 1024:.2f} | {r['load']:.1f} | {first} |")
    return "\n".join(lines)


def plot(results: list[dict], path: Path = PLOT) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_speed, ax_mem) = plt.subplots(1, 2, figsize=(10, 4))
    for result in results:
        where = result["machine"]["gpu"] or f"{result['machine']['cores']}-core CPU"
        for kind, label in LABELS.items():
            rows = sorted((r for r in result["rows"] if r["kind"] == kind), key=lambda r: r["minutes"])
            if not rows:
                continue
            minutes = [r["minutes"] for r in rows]
            ax_speed.plot(minutes, [r["rtfx"] for r in rows], marker="o", label=f"{label}, {where}")
            ax_mem.plot(minutes, [r["peak_rss_mb"] / 1024 for r in rows], marker="o", label=f"{label}, {where}")
    for ax, ylabel in ((ax_speed, "real-time factor (audio s / wall s)"), (ax_mem, "peak RSS (GB)")):
        ax.set_xscale("log")
        ax.set_xlabel("audio length (min)")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    ax_speed.legend(fontsize=7)
    fig.suptitle("RSDO 2.0 architecture (random weights): speed and memory")
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, nargs="+")
    args = parser.parse_args()
    results = [json.loads(p.read_text()) for p in args.results]
    print(table(results))
    plot(results)
    print(f"wrote {PLOT}")


if __name__ == "__main__":
    main()
