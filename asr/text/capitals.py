"""Capitals: the first word of a sentence, and proper nouns from a small lexicon.

asr/text/capitals.txt (one written form a line, built by tools/make_punctuation_model.py) holds words
written with a capital inside sentences of Slovenian novels, and Sloleks proper-noun forms that are no
form of a common word ("Ljubljani", "Janez"; not "maja", which is also a month).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from asr.errors import ConfigError

LEXICON_PATH = Path(__file__).with_name("capitals.txt")


@cache
def lexicon(path: Path = LEXICON_PATH) -> dict[str, str]:
    """lowercase form -> written form, read once; ConfigError when the file is missing."""
    try:
        lines = path.read_text(encoding="utf-8").split()
    except OSError as e:
        raise ConfigError(f"The capitals list {path} cannot be read; rebuild it with "
                          "tools/make_punctuation_model.py (see README, Readable text).") from e
    return {line.lower(): line for line in lines}


def proper(word: str) -> str:
    """The lexicon's written form of a word, or the word as it is."""
    return lexicon().get(word, word)


def sentence_start(token: str) -> str:
    """The token with its first letter capitalised ('5.' stays as it is)."""
    return token[:1].upper() + token[1:]
