"""Peak memory of re-aligning one edited segment of a long recording, the editor's way (ui.realign.Realigner).

    .venv/bin/python -m bench.realign_memory MODEL [--minutes 235] [--code DIR]

Builds a recording of the committed clips laid end to end (tests/helpers.build_long_audio) as a FLAC file and its
transcript (one segment per clip, the true words), stores it, and in a fresh process (cwd ``--code``: another
checkout of Prepis, to compare) loads the model, then re-aligns the middle segment twice with a corrected text.
Prints one JSON line: the process's peak RSS (VmHWM, MB) after loading the model and after the re-alignments, and
the wall time of each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, time
from asr.config import Settings
from asr.store import Store
from asr.types import Transcript
from ui.realign import Realigner
from ui.service import ModelService

def peak_mb():
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) // 1024

db, data, audio, model = sys.argv[1:]
transcript = Transcript.from_dict(json.loads(open(data, encoding="utf-8").read()))
store = Store(db)
tid = store.create("bench", transcript, audio_path=audio, status="done")
service = ModelService(Settings(model=model, device="cpu"))
service.aligner()
loaded = peak_mb()
segment = transcript.segments[len(transcript.segments) // 2]
text = segment.text.capitalize() + "."
walls = []
for _ in range(2):
    started = time.perf_counter()
    Realigner(store, service)("bench", tid, segment, text)
    walls.append(round(time.perf_counter() - started, 2))
print(json.dumps({"peak_rss_mb_model_loaded": loaded, "peak_rss_mb_after_realign": peak_mb(), "wall_s": walls}))
"""


def recording(minutes: float, folder: Path) -> tuple[Path, Path]:
    """A FLAC of the clips laid end to end and its transcript JSON (one segment per clip)."""
    import soundfile as sf

    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import build_long_audio

    from asr.types import Segment, Transcript

    samples, words, _ = build_long_audio(60 * minutes)
    audio, data = folder / "long.flac", folder / "long.json"
    sf.write(audio, samples, 16000, subtype="PCM_16")
    del samples
    segments, current = [], [words[0]]
    for word in words[1:]:
        if word.start - current[-1].end > 1.0 or len(current) >= 12:  # a clip ends (the gaps are zeros)
            segments.append(current)
            current = []
        current.append(word)
    segments.append(current)
    transcript = Transcript([Segment(i, ws[0].start, ws[-1].end, " ".join(w.word for w in ws), ws)
                             for i, ws in enumerate(segments)])
    data.write_text(json.dumps(transcript.to_dict()), encoding="utf-8")
    return audio, data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--minutes", type=float, default=235.0, help="under the 4-hour limit (default: 235)")
    parser.add_argument("--code", type=Path, action="append", help="checkout(s) to measure (default: this one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        audio, data = recording(args.minutes, Path(folder))
        for i, code in enumerate(args.code or [ROOT]):
            db = Path(folder) / f"store-{i}.sqlite3"
            command = [sys.executable, "-c", CHILD, str(db), str(data), str(audio), str(args.model.resolve())]
            child = subprocess.run(command, cwd=code, capture_output=True, text=True)
            if child.returncode:
                sys.exit(f"the measurement in {code} failed:\n{child.stderr[-2000:]}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(json.dumps({"code": str(code), "minutes": args.minutes, **result}), flush=True)


if __name__ == "__main__":
    main()
