"""Punctuation after each raw word: none, comma, full stop or question mark, from a small linear model.

The model (asr/text/punctuation.npz, built by tools/make_punctuation_model.py from Slovenian novels) is a
one-vs-rest logistic regression over hashed word n-gram features: the word, its neighbours, their pairs,
the word's ending and the first word of the sentence it is in (questions start with "ali", "kaj", "zakaj").
Decoding runs left to right, so "the sentence so far" is what the model itself decided. Inference is numpy
only: a sum of a few weight rows per word.

With timed words, a long pause after a word also counts for a sentence end (see `SENTENCE_PAUSE`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from asr.errors import ConfigError

NONE, COMMA, PERIOD, QUESTION = 0, 1, 2, 3  # classes, in the model's column order
MARKS = ("", ",", ".", "?")
MODEL_PATH = Path(__file__).with_name("punctuation.npz")
HASH_BITS = 19  # 2**19 weight rows: 4 MB in float16 for 4 classes
SUFFIX_CHARS = 3  # the word ending used as a feature (Slovenian endings carry case and person)
SENTENCE_PAUSE = 0.8  # seconds; a pause this long ends a sentence the model finds at all plausible
MIN_END_SCORE = -3.0  # ...that is, where the full-stop score is above this (probability about 5 %)
PAD = "<s>"
QUESTION_START = "ali"  # a sentence that starts with the question particle is a question (the model misses some)


def features(words: Sequence[str], i: int, first: str) -> list[str]:
    """The feature strings for the boundary after words[i]; `first` is the first word of its sentence."""
    w = lambda k: words[k] if 0 <= k < len(words) else PAD  # noqa: E731
    w0, w1 = w(i), w(i + 1)
    return ["bias", f"w0={w0}", f"w1={w1}", f"w-1={w(i - 1)}", f"w2={w(i + 2)}", f"b-1={w(i - 1)}|{w0}",
            f"b0={w0}|{w1}", f"b1={w1}|{w(i + 2)}", f"s0={w0[-SUFFIX_CHARS:]}", f"s1={w1[-SUFFIX_CHARS:]}",
            f"f={first}", f"fw0={first}|{w0}", f"end={int(i + 1 == len(words))}"]


def feature_ids(names: Sequence[str], bits: int = HASH_BITS) -> list[int]:
    """Stable hashes of feature strings into 2**bits rows (crc32: the same in training and here)."""
    mask = (1 << bits) - 1
    return [zlib.crc32(name.encode("utf-8")) & mask for name in names]


@dataclass(frozen=True)
class PunctuationModel:
    weights: np.ndarray  # (2**bits, 4) float
    bias: np.ndarray  # (4,) per-class offsets (the intercepts plus thresholds tuned on a dev split)

    @property
    def bits(self) -> int:
        return int(self.weights.shape[0]).bit_length() - 1

    def scores(self, words: Sequence[str], i: int, first: str) -> np.ndarray:
        """One score per class for the boundary after words[i]."""
        rows = feature_ids(features(words, i, first), self.bits)
        return self.weights[rows].sum(axis=0, dtype=np.float32) + self.bias

    def predict(self, words: Sequence[str], pauses: Sequence[float] | None = None) -> list[int]:
        """The class after every word; the last word always ends a sentence (a full stop or a question)."""
        marks, first = [], words[0] if words else PAD
        for i in range(len(words)):
            score = self.scores(words, i, first)
            mark = int(np.argmax(score))
            if pauses is not None and mark in (NONE, COMMA) and pauses[i] >= SENTENCE_PAUSE \
                    and score[PERIOD] > MIN_END_SCORE:
                mark = PERIOD
            if i + 1 == len(words) and mark in (NONE, COMMA):
                mark = QUESTION if score[QUESTION] > score[PERIOD] else PERIOD
            if mark == PERIOD and first == QUESTION_START:
                mark = QUESTION
            marks.append(mark)
            if mark in (PERIOD, QUESTION) and i + 1 < len(words):
                first = words[i + 1]
        return marks


def save(path: Path, weights: np.ndarray, bias: np.ndarray) -> None:
    np.savez_compressed(path, weights=weights.astype(np.float16), bias=bias.astype(np.float32))


@cache
def load(path: Path = MODEL_PATH) -> PunctuationModel:
    """The shipped model, read once; ConfigError when the file is missing (rebuild it: README)."""
    try:
        with np.load(path) as data:
            return PunctuationModel(data["weights"].astype(np.float32), data["bias"].astype(np.float32))
    except (OSError, KeyError, ValueError) as e:
        raise ConfigError(f"The punctuation model {path} cannot be read; rebuild it with "
                          "tools/make_punctuation_model.py (see README, Readable text).") from e
