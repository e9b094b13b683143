"""Diarization accuracy on the synthetic conversations of tools/make_conversations.py.

    .venv/bin/python tools/make_conversations.py               # once: .cache/conversations/*.wav + *.json
    .venv/bin/python -m bench.diarization [--dir DIR] [--regions words|vad|truth]

For each file: DER with a 0.25 s collar (bench/der.py) with the number of speakers found (auto) and given, and
whether the number found is right. Speech regions come from the recognised words' times (`words`, what the
pipeline does; the words of the fixture model tests/fixtures/tiny-sl.nemo), from Silero VAD (`vad`), or from the
true turns (`truth`: the embeddings and the clustering alone).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from asr.audio import SAMPLE_RATE, decode_audio
from asr.config import REPO_ROOT
from asr.options import TranscribeOptions
from asr.speakers import cluster, embed, turns_of, vad_regions, word_regions
from bench.der import score

DEFAULT_DIR = REPO_ROOT / ".cache" / "conversations"
TINY_MODEL = REPO_ROOT / "tests" / "fixtures" / "tiny-sl.nemo"


@functools.cache
def _backend():
    from asr.backends import LocalBackend
    from asr.engine import Engine

    return LocalBackend(Engine(TINY_MODEL, "tiny-sl", "cpu"))


def regions_of(samples: np.ndarray, reference: list, regions_from: str) -> list[tuple[float, float]]:
    if regions_from == "words":
        from asr.pipeline import transcribe

        return word_regions(transcribe(_backend(), _wav(samples), TranscribeOptions(speakers="off")).words)
    return vad_regions(samples) if regions_from == "vad" else [(s, e) for _, s, e in reference]


def _wav(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, SAMPLE_RATE, format="WAV", subtype="FLOAT")
    return buffer.getvalue()


def evaluate(wav: Path, regions_from: str) -> dict:
    truth = json.loads(wav.with_suffix(".json").read_text(encoding="utf-8"))
    reference = [(t["speaker"], t["start"], t["end"]) for t in truth["turns"]]
    samples = decode_audio(wav)
    regions = regions_of(samples, reference, regions_from)
    started = time.perf_counter()
    windows, embeddings = embed(samples, regions)
    auto = turns_of(regions, windows, cluster(embeddings))
    seconds = time.perf_counter() - started
    given = turns_of(regions, windows, cluster(embeddings, truth["speakers"]))
    found = len({t.speaker for t in auto})
    as_turns = lambda turns: [(t.speaker, t.start, t.end) for t in turns]  # noqa: E731
    return {"file": wav.name, "speakers": truth["speakers"], "found": found,
            "der_auto": score(reference, as_turns(auto)).der, "der_given": score(reference, as_turns(given)).der,
            "duration": samples.size / SAMPLE_RATE, "seconds": seconds}


def summary(rows: list[dict]) -> list[str]:
    lines = []
    for label, group in (("2 speakers", [r for r in rows if r["speakers"] == 2]),
                         ("3-4 speakers", [r for r in rows if r["speakers"] >= 3]), ("all", rows)):
        if not group:
            continue
        ref = np.array([r["duration"] for r in group])  # weights: files are of similar length
        der_auto = np.average([r["der_auto"] for r in group], weights=ref)
        der_given = np.average([r["der_given"] for r in group], weights=ref)
        right = sum(r["found"] == r["speakers"] for r in group)
        lines.append(f"{label}: {len(group)} files, DER auto {100 * der_auto:.1f} %, given {100 * der_given:.1f} %, "
                     f"count right {right}/{len(group)}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--regions", choices=("words", "vad", "truth"), default="words")
    args = parser.parse_args(argv)
    rows = []
    for wav in sorted(args.dir.glob("*.wav")):
        rows.append(evaluate(wav, args.regions))
        r = rows[-1]
        print(f"{r['file']}: {r['speakers']} speakers, found {r['found']}, DER auto {100 * r['der_auto']:.1f} %, "
              f"given {100 * r['der_given']:.1f} % ({r['seconds']:.1f} s for {r['duration']:.0f} s)", flush=True)
    print("\n".join(summary(rows)))


if __name__ == "__main__":
    main()
