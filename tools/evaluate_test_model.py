"""Measure the fixture model on held-out synthetic Slovenian: WER and word-time errors (ours and NeMo's).

    .venv/bin/python tools/evaluate_test_model.py                 # tests/fixtures/tiny-sl.nemo, 60 + 60 utterances
    .venv/bin/python tools/evaluate_test_model.py MODEL.nemo --utterances 100

Sets: (a) training words in held-out voices at held-out speeds, (b) only held-out words. Seeded, so reproducible.
The numbers are printed and written to .cache/tinysl/eval.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_test_model as mtm  # noqa: E402


def eval_sets(train_words: list[str], heldout_words: list[str], n_utts: int) -> dict[str, list]:
    """Held-out test utterances: (a) training words in held-out voices at held-out speeds, (b) only held-out words.

    Returns {name: [(audio, truth), ...]}, reproducible (fixed seeds).
    """
    rng = random.Random(mtm.SEED + 3)
    plans = {}
    for name, words, variants in (("heldout_voices", train_words, mtm.HELDOUT_VARIANTS),
                                  ("heldout_words", heldout_words, mtm.TRAIN_VARIANTS)):
        plan = []
        for _ in range(n_utts):
            variant, speed, pitch = rng.choice(variants), rng.choice(mtm.HELDOUT_SPEEDS), rng.randint(*mtm.PITCH_RANGE)
            plan.append([(w, variant, speed, pitch) for w in rng.sample(words, rng.randint(3, 12))])
        plans[name] = plan
    jobs = sorted({job for plan in plans.values() for utt in plan for job in utt})
    synth = mtm.synthesise(jobs, "eval")
    nrng = np.random.default_rng(mtm.SEED + 4)
    return {name: [mtm.compose(nrng, [(job[0], synth[job]) for job in utt], snr_db=(15.0, 40.0), p_filter=0.0)
                   for utt in plan] for name, plan in plans.items()}


def evaluate(path: Path, n_utts: int) -> dict:
    """Measure WER and word-time errors of the model at ``path`` (ours vs NeMo timestamps); return the numbers."""
    import torch
    from nemo.collections.asr.models import ASRModel

    sys.path.insert(0, str(mtm.ROOT))
    sys.path.insert(0, str(mtm.ROOT / "tests"))
    from helpers import matched_words, wer

    from asr.alignment import words_from_ctc

    model = ASRModel.restore_from(str(path), map_location="cpu")
    model.eval()
    pieces = [model.tokenizer.ids_to_tokens([i])[0] for i in range(model.tokenizer.vocab_size)]
    blank = model.tokenizer.vocab_size
    train_words, heldout_words = mtm.build_word_lists()
    results = {}
    for name, utts in eval_sets(train_words, heldout_words, n_utts).items():
        refs, hyps, ours, nemos = [], [], [], []  # ours/nemos: matched (truth, hyp) word pairs
        for audio, truth in utts:
            with torch.inference_mode():
                lp, enc_len, _ = model.forward(input_signal=torch.from_numpy(audio)[None],
                                               input_signal_length=torch.tensor([len(audio)]))
            words = words_from_ctc(lp[0, : enc_len[0]].numpy(), pieces, blank, audio=audio)
            refs.append(" ".join(w["word"] for w in truth))
            hyps.append(" ".join(w.word for w in words))
            ours += matched_words(truth, words)
        hyp_nemo = model.transcribe([a for a, _ in utts], batch_size=8, timestamps=True, verbose=False)
        model.eval()  # NeMo 3.0's transcribe() leaves the encoder in training mode (dropout on)
        for (_, truth), hyp in zip(utts, hyp_nemo, strict=True):
            nemos += matched_words(truth, [dict(w) for w in hyp.timestamp["word"]])
        results[name] = {
            "utterances": len(utts), "words": sum(len(t) for _, t in utts), "wer": round(wer(refs, hyps), 4),
            "matched_ours": len(ours), "start_err_ours": _mean_abs(ours, 1), "end_err_ours": _mean_abs(ours, 2),
            "start_bias_ours": _median(ours, 1), "end_bias_ours": _median(ours, 2),
            "matched_nemo": len(nemos), "start_err_nemo": _mean_abs(nemos, 1), "end_err_nemo": _mean_abs(nemos, 2),
            "nemo_word_example": [dict(w) for w in hyp_nemo[0].timestamp["word"][:2]],
        }
        print(name, json.dumps(results[name], default=str), flush=True)
    return results


def _mean_abs(pairs: list[tuple[tuple, tuple]], field: int) -> float:
    """Mean absolute time error (seconds) over matched (truth, hyp) word pairs; field 1 = start, 2 = end."""
    return round(float(np.mean([abs(h[field] - t[field]) for t, h in pairs])), 4) if pairs else float("nan")


def _median(pairs: list[tuple[tuple, tuple]], field: int) -> float:
    """Median signed time error (hyp - truth, seconds): the bias that START_OFFSET / END_OFFSET correct."""
    return round(float(np.median([h[field] - t[field] for t, h in pairs])), 4) if pairs else float("nan")


def report(path: Path, n_utts: int) -> dict:
    """Evaluate, print and save the numbers to .cache/tinysl/eval.json."""
    results = evaluate(path, n_utts)
    out = mtm.CACHE_DIR / "eval.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"evaluation written to {out}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, nargs="?", default=mtm.DEFAULT_OUTPUT)
    parser.add_argument("--utterances", type=int, default=60, help="utterances per evaluation set")
    args = parser.parse_args()
    report(args.model, args.utterances)


if __name__ == "__main__":
    main()
