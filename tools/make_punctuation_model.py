"""Build the readable-text stage's small models: asr/text/punctuation.npz and asr/text/capitals.txt.

    git clone https://github.com/COST-ELTeC/ELTeC-slv /work/corpora/ELTeC-slv        # corpus, kept out of git
    pip download --no-deps slovene-normalizator==0.0.6 -d /tmp/pkgs && \
        unzip -o /tmp/pkgs/slovene_normalizator-0.0.6-py3-none-any.whl \
        'slovene_normalizator/support/Sloleks_lemmas_with_forms_v2.pickle' -d /tmp/sloleks   # optional lexicon
    nice -n 10 .venv/bin/python tools/make_punctuation_model.py --corpus /work/corpora/ELTeC-slv \
        --sloleks /tmp/sloleks/slovene_normalizator/support/Sloleks_lemmas_with_forms_v2.pickle

Punctuation: a one-vs-rest logistic regression (scikit-learn SGD, log loss) over the hashed features of
asr.text.punctuation, trained on the train split of ELTeC-slv (novels; tools/eltec.py), the per-class
offsets then tuned on the dev split with the real left-to-right decoder. Capitals: words written with a
capital inside sentences of the train split (at least `MIN_CAPITAL_COUNT` times, `MIN_CAPITAL_SHARE` of
their uses), plus Sloleks proper-noun forms that are no form of a common word (frequency >=
`SLOLEKS_MIN_FREQ`). The test split is left for tools/evaluate_readable.py.
"""

from __future__ import annotations

import argparse
import array
import logging
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import SGDClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import eltec  # noqa: E402

from asr.text import capitals  # noqa: E402
from asr.text.punctuation import (  # noqa: E402
    COMMA,
    HASH_BITS,
    MODEL_PATH,
    PERIOD,
    QUESTION,
    PunctuationModel,
    feature_ids,
    features,
    save,
)

log = logging.getLogger("make_punctuation_model")
TRAIN_WORDS = 6_000_000  # raw words of the train split used (all of it: about 5 M)
DEV_WORDS = 40_000  # raw words of the dev split for tuning the class offsets
ALPHA = 2e-7  # L2 strength of the SGD logistic regression
EPOCHS = 6
OFFSET_GRID = np.arange(-2.0, 2.01, 0.25)
MIN_CAPITAL_COUNT, MIN_CAPITAL_SHARE = 3, 0.9
SLOLEKS_MIN_FREQ = 100


def sentence_firsts(words: list[str], marks: list[int]) -> list[str]:
    """For each word, the first word of its sentence (by the gold marks), as the decoder will see it."""
    firsts, first = [], words[0]
    for k in range(len(words)):
        firsts.append(first)
        if marks[k] in (PERIOD, QUESTION) and k + 1 < len(words):
            first = words[k + 1]
    return firsts


def examples(corpus: Path, split: str, max_words: int) -> tuple[csr_matrix, np.ndarray]:
    rows, labels, indptr = array.array("i"), [], array.array("q", [0])
    for gold in eltec.passages(corpus, split, max_words):
        words, marks = eltec.raw_words(gold), eltec.word_marks(gold)
        for i, first in enumerate(sentence_firsts(words, marks)):
            rows.extend(feature_ids(features(words, i, first)))
            indptr.append(len(rows))
        labels.extend(marks)
    data = np.ones(len(rows), dtype=np.float32)
    columns, offsets = np.frombuffer(rows, dtype=np.int32), np.frombuffer(indptr, dtype=np.int64)
    return csr_matrix((data, columns, offsets), shape=(len(indptr) - 1, 1 << HASH_BITS)), np.array(labels)


def f1_sum(model: PunctuationModel, dev: list[tuple[list[str], list[int]]]) -> float:
    """Sum of the F1 of commas, full stops and questions over the dev passages."""
    hit, said, want = Counter(), Counter(), Counter()
    for words, marks in dev:
        for p, g in zip(model.predict(words), marks, strict=True):
            said[p] += 1
            want[g] += 1
            hit[p] += p == g
    return sum(2 * hit[c] / max(said[c] + want[c], 1) for c in (COMMA, PERIOD, QUESTION))


def tune_offsets(model: PunctuationModel, dev) -> PunctuationModel:
    """Coordinate search of the per-class offsets that maximise the dev F1 sum (two passes)."""
    best = f1_sum(model, dev)
    for _ in range(2):
        for c in (COMMA, PERIOD, QUESTION):
            base = model.bias.copy()
            for step in OFFSET_GRID:
                bias = base.copy()
                bias[c] += step
                trial = PunctuationModel(model.weights, bias)
                score = f1_sum(trial, dev)
                if score > best:
                    best, model = score, trial
        log.info("dev F1 sum %.3f, offsets %s", best, np.round(model.bias, 2))
    return model


def train(corpus: Path, train_words: int) -> PunctuationModel:
    started = time.perf_counter()
    x, y = examples(corpus, "train", train_words)
    log.info("%d training words, features in %.0f s", x.shape[0], time.perf_counter() - started)
    sgd = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=EPOCHS, tol=None, random_state=0)
    sgd.fit(x, y)
    log.info("fitted in %.0f s (classes %s)", time.perf_counter() - started, sgd.classes_)
    weights = np.zeros((1 << HASH_BITS, 4), dtype=np.float32)
    bias = np.full(4, -30.0, dtype=np.float32)  # a class never seen is never said
    for column, c in enumerate(sgd.classes_):
        weights[:, c], bias[c] = sgd.coef_[column], sgd.intercept_[column]
    weights = weights.astype(np.float16).astype(np.float32)  # tune on what ships
    dev = [(eltec.raw_words(g), eltec.word_marks(g)) for g in eltec.passages(corpus, "dev", DEV_WORDS)]
    return tune_offsets(PunctuationModel(weights, bias), dev)


def corpus_capitals(corpus: Path, max_words: int) -> tuple[dict[str, str], set[str]]:
    """Words capitalised inside sentences of the train split, and the words mostly written small."""
    upper, lower, forms = Counter(), Counter(), {}
    for gold in eltec.passages(corpus, "train", max_words):
        for g in gold:
            if g.sentence_start or not g.text.isalpha():
                continue
            key = g.text.lower()
            if g.text[0].isupper():
                upper[key] += 1
                forms[key] = g.text
            else:
                lower[key] += 1
    chosen = {k: forms[k] for k, n in upper.items()
              if n >= MIN_CAPITAL_COUNT and n >= MIN_CAPITAL_SHARE * (n + lower[k])}
    small = {k for k, n in lower.items() if n > upper[k]}
    return chosen, small


def sloleks_capitals(path: Path) -> dict[str, str]:
    """Sloleks forms of proper-noun lemmas that are no form of a common lemma, frequency >= SLOLEKS_MIN_FREQ."""
    with path.open("rb") as f:
        lemmas = pickle.load(f)  # noqa: S301 (a file the builder downloaded from PyPI themselves)
    common, proper, freq = set(), {}, Counter()
    for lemma, forms in lemmas.items():
        for form, count in forms.values():
            if not isinstance(form, str):
                continue
            if lemma[:1].isupper():
                proper[form.lower()] = form
                freq[form.lower()] += int(count or 0)
            else:
                common.add(form.lower())
    return {k: v for k, v in proper.items() if k not in common and k.isalpha() and freq[k] >= SLOLEKS_MIN_FREQ}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a checkout of COST-ELTeC/ELTeC-slv")
    parser.add_argument("--sloleks", type=Path, help="Sloleks_lemmas_with_forms_v2.pickle (optional)")
    parser.add_argument("--train-words", type=int, default=TRAIN_WORDS)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--capitals-out", type=Path, default=capitals.LEXICON_PATH)
    args = parser.parse_args(argv)
    chosen, small = corpus_capitals(args.corpus, args.train_words)
    if args.sloleks:
        chosen = {**{k: v for k, v in sloleks_capitals(args.sloleks).items() if k not in small}, **chosen}
    args.capitals_out.write_text("".join(f"{chosen[k]}\n" for k in sorted(chosen)), encoding="utf-8")
    log.info("%d capitalised forms -> %s", len(chosen), args.capitals_out)
    model = train(args.corpus, args.train_words)
    save(args.out, model.weights, model.bias)
    log.info("model -> %s (%.1f MB)", args.out, args.out.stat().st_size / 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
