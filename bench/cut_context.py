"""Accuracy around chunk cuts: the same speech transcribed as one long file and utterance by utterance.

    .venv/bin/python -m bench.cut_context                       # 17+ min, contexts 0 0.5 1 2 s, 20 s chunks
    .venv/bin/python -m bench.cut_context --contexts 0 1 --max-chunk 10

Held-out synthetic Slovenian (tools/evaluate_test_model.py's set (a): training words in unheard voices) laid end
to end with varied pauses into one recording longer than a VAD block (16 min), transcribed by the fixture model
through the whole pipeline at each context length; and the same utterances transcribed one by one. Reports the
WER of each, and the error rate of the true words within 2 s of a cut against the words elsewhere (a true word
is wrong when it is not matched exactly in the transcript). Results go to bench/results/cut-context-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.backends import LocalBackend
from asr.config import REPO_ROOT
from asr.engine import Engine
from asr.options import TranscribeOptions
from asr.pipeline import Audio, transcribe
from asr.segmenter import plan_chunks
from asr.types import AudioInfo, Word

sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT / "tools"))
from helpers import matched_words, wer  # noqa: E402

MODEL = REPO_ROOT / "tests" / "fixtures" / "tiny-sl.nemo"
RESULTS = REPO_ROOT / "bench" / "results"
GAPS = (0.05, 0.15, 0.4, 1.0, 2.5)  # seconds between utterances, some too short to cut at
NEAR_CUT = 2.0  # seconds


def utterances(n: int) -> list[tuple[np.ndarray, list[dict]]]:
    import evaluate_test_model as etm
    import make_test_model as mtm

    train_words, heldout_words = mtm.build_word_lists()
    return etm.eval_sets(train_words, heldout_words, n)["heldout_voices"]


def lay_out(utts, seed: int = 11) -> tuple[np.ndarray, list[Word], list[float]]:
    """One recording of all utterances with varied gaps; its true words and where each utterance starts."""
    rng = np.random.default_rng(seed)
    parts, words, offsets, t = [], [], [], 0
    for audio, truth in utts:
        offsets.append(t / SAMPLE_RATE)
        words += [Word(w["word"], w["start"] + t / SAMPLE_RATE, w["end"] + t / SAMPLE_RATE, 1.0) for w in truth]
        gap = np.zeros(int(float(rng.choice(GAPS)) * SAMPLE_RATE), np.float32)
        parts += [audio, gap]
        t += audio.size + gap.size
    return np.concatenate(parts), words, offsets


def near_cut_errors(truth: list[Word], hyp: list[Word], cuts: list[float]) -> dict:
    """Error rate of true words within NEAR_CUT s of a cut, and of the others."""
    found = {(t[0], t[1]) for t, _ in matched_words(truth, hyp)}
    cuts_arr = np.array(cuts) if cuts else np.array([np.inf])
    near = [min(abs(cuts_arr - w.start).min(), abs(cuts_arr - w.end).min()) < NEAR_CUT for w in truth]
    wrong = [(w.word, w.start) not in found for w in truth]
    n_near, pairs = sum(near), list(zip(wrong, near, strict=True))
    return {"near_cut_words": n_near, "near_cut_error": sum(w for w, n in pairs if n) / max(1, n_near),
            "elsewhere_words": len(truth) - n_near,
            "elsewhere_error": sum(w for w, n in pairs if not n) / max(1, len(truth) - n_near)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=300)
    parser.add_argument("--contexts", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0])
    parser.add_argument("--max-chunk", type=float, default=TranscribeOptions.max_chunk)
    args = parser.parse_args()

    utts = utterances(args.utterances)
    samples, truth, _ = lay_out(utts)
    audio = Audio(samples, AudioInfo("long.wav", round(samples.size / SAMPLE_RATE, 3)))
    backend = LocalBackend(Engine(MODEL, "tiny-sl", "cpu"))
    truth_text = " ".join(w.word for w in truth)
    base = TranscribeOptions(max_chunk=args.max_chunk)
    alone = [transcribe(backend, Audio(a, AudioInfo(duration=a.size / SAMPLE_RATE)), base).text for a, _ in utts]
    result = {"date": date.today().isoformat(), "audio_seconds": audio.info.duration, "words": len(truth),
              "max_chunk": args.max_chunk, "one_by_one_wer": wer(truth_text, " ".join(alone)), "runs": []}
    print(f"{audio.info.duration / 60:.1f} min, {len(truth)} words; one by one: WER {result['one_by_one_wer']:.2%}")
    for context in args.contexts:
        options = replace(base, cut_context=context)
        chunks = list(plan_chunks(samples, options.max_chunk, options.cut_context))
        cuts = [c.keep_end / SAMPLE_RATE for c in chunks[:-1]]
        transcript = transcribe(backend, audio, options)
        run = {"context": context, "chunks": len(chunks), "wer": wer(truth_text, transcript.text),
               "processing_time": transcript.processing_time,
               **near_cut_errors(truth, transcript.words, cuts)}
        result["runs"].append(run)
        print(f"context {context:.1f} s: {len(chunks)} chunks, WER {run['wer']:.2%}, near cuts "
              f"{run['near_cut_error']:.1%} of {run['near_cut_words']} words, elsewhere {run['elsewhere_error']:.1%}, "
              f"{run['processing_time']:.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"cut-context-{result['date']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
