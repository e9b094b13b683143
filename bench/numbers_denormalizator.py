"""Numbers to digits: Prepis's grammar (asr.text.numbers) against RSDO's slovene-denormalizator 0.0.1 on the
phrase list of tests/number_cases.py. Not part of Prepis's dependencies: run it with a Python that has the
package (it needs its data directory as the working directory and tries nltk.download at import):

    python -m venv --system-site-packages /tmp/dn && /tmp/dn/bin/pip install slovene-denormalizator==0.0.1
    /tmp/dn/bin/python bench/numbers_denormalizator.py

Counted per phrase: exact (the expected text; a thousands separator or its absence is not counted against
either: 7.282.628 = 7282628), kept (the raw words: a safe fallback) or wrong.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from number_cases import cases  # noqa: E402

from asr.text.numbers import number_tokens  # noqa: E402

GROUPING = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")


def same(got: str, expected: str) -> bool:
    return GROUPING.sub("", got) == GROUPING.sub("", expected)


def prepis(spoken: str) -> str:
    return " ".join(t.text for t in number_tokens(spoken.split()))


def denormalizer():
    spec = importlib.util.find_spec("slovene_denormalizator")
    os.chdir(Path(spec.origin).parent)  # it opens data/*.pickle relative to the working directory
    from slovene_denormalizator.denormalizer import denormalize

    def run(spoken: str) -> str:
        try:
            return denormalize(spoken, {"proper_tokenization": False})["denormalized_string"] or ""
        except Exception as e:  # noqa: BLE001 (its failures are what is counted)
            return f"<{type(e).__name__}>"

    return run


def main() -> int:
    systems = {"asr.text.numbers": prepis, "slovene-denormalizator": denormalizer()}
    all_cases = cases()
    for name, system in systems.items():
        tally, wrong = Counter(), []
        for spoken, expected in all_cases:
            got = system(spoken)
            kind = "exact" if same(got, expected) else "kept" if got == spoken else "wrong"
            tally[kind] += 1
            if kind == "wrong":
                wrong.append((spoken, expected, got))
        print(f"{name}: {len(all_cases)} phrases, exact {tally['exact']} ({tally['exact'] / len(all_cases):.1%}), "
              f"kept as words {tally['kept']}, wrong {tally['wrong']}")
        for spoken, expected, got in wrong[:8]:
            print(f"    {spoken!r}: expected {expected!r}, got {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
