"""Spoken number phrases and the text they should become: num2words spells the spoken side (fixed seed),
plus hand cases, among them the failures of RSDO's slovene-denormalizator listed in issue 12.

An expected text equal to the spoken words means "ambiguous: keep the words".
"""

from __future__ import annotations

import random

from num2words import num2words

from asr.text.numbers import digits, lexicon, ordinal_stem

SEED = 12
MONTHS_GENITIVE = ("januarja", "februarja", "marca", "aprila", "maja", "junija", "julija", "avgusta", "septembra",
                   "oktobra", "novembra", "decembra")
HOUR_LOCATIVE = {1: "enih", 2: "dveh", 3: "treh", 4: "štirih", 7: "sedmih", 8: "osmih"}

HAND = [
    ("tristo petdeset ljudi tristo petdeset ljudi", "350 ljudi 350 ljudi"),
    ("tristo petdeset ljudi tristo petdeset ljudi tristo petdeset ljudi", "350 ljudi 350 ljudi 350 ljudi"),
    ("minus pet stopinj celzija", "-5 stopinj celzija"),
    ("ena dva tri", "ena dva tri"),
    ("nič ena ena tri", "nič ena ena tri"),
    ("dvajset pet", "dvajset pet"),
    ("tri sto", "tri sto"),
    ("petega maja dva tisoč triindvajset", "5. maja 2023"),
    ("ob trinajstih trideset", "ob 13.30"),
    ("ob osmih nič pet", "ob 8.05"),
    ("pet odstotkov", "5 %"),
    ("tri cele pet odstotka", "3,5 %"),
    ("dvanajst celih sedem pet", "12,75"),
    ("leta tisoč devetsto enaindevetdesetega", "leta 1991"),
    ("dva tisoč triindvajset", "2023"),
    ("tristo petdeset tisoč evrov", "350.000 evrov"),
    ("pred petindvajsetimi leti", "pred 25 leti"),
    ("drugi dan", "drugi dan"),
    ("prvega januarja", "1. januarja"),
    ("enaindvajseto stoletje", "21. stoletje"),
    ("pet", "pet"),
    ("en človek", "en človek"),
    ("nič", "nič"),
    ("sto let", "sto let"),
    ("dvesto let", "200 let"),
    ("tisoč let", "tisoč let"),
    ("sto ena", "101"),
    ("dve uri", "2 uri"),
]


def _ordinal(value: int, ending: str) -> str:
    words = num2words(value, lang="sl").split()
    words[-1] = ordinal_stem(lexicon()[words[-1]].value, words[-1]) + ending
    return " ".join(words)


def _percent_word(value: int) -> str:
    return {1: "odstotek", 2: "odstotka", 3: "odstotke", 4: "odstotke"}.get(value % 100, "odstotkov")


def generated() -> list[tuple[str, str]]:
    """Over 200 phrases of every kind the stage writes in digits."""
    rng = random.Random(SEED)
    say = lambda n: num2words(n, lang="sl")  # noqa: E731
    cases = [(say(n), digits(n)) for n in rng.sample(range(11, 1000), 70)]
    cases += [(say(n), digits(n)) for n in rng.sample(range(1000, 10_000), 40)]
    cases += [(say(n), digits(n)) for n in rng.sample(range(10_000, 10_000_000), 25)]
    cases += [(f"{say(n)} {_percent_word(n)}", f"{n} %") for n in rng.sample(range(1, 101), 15)]
    cases += [(f"{say(n)} evrov", f"{digits(n)} evrov") for n in rng.sample(range(5, 100_000), 15)]
    for _ in range(15):
        whole, tenths = rng.randrange(0, 100), rng.randrange(1, 100)
        value = float(f"{whole}.{tenths:02d}".rstrip("0"))
        cases.append((num2words(value, lang="sl"), f"{whole},{f'{tenths:02d}'.rstrip('0')}"))
    for _ in range(15):
        day, month, year = rng.randrange(1, 32), rng.randrange(12), rng.randrange(1900, 2040)
        cases.append((f"{_ordinal(day, 'ega')} {MONTHS_GENITIVE[month]} {say(year)}",
                      f"{day}. {MONTHS_GENITIVE[month]} {year}"))
    for _ in range(12):
        hour, minute = rng.randrange(1, 25), rng.randrange(1, 60)
        spoken_hour = HOUR_LOCATIVE.get(hour, say(hour) + "ih")
        cases.append((f"ob {spoken_hour} {say(minute)}", f"ob {hour}.{minute:02d}"))
    cases += [(f"minus {say(n)} stopinj", f"-{n} stopinj") for n in rng.sample(range(1, 40), 8)]
    cases += [(_ordinal(n, "i"), f"{n}.") for n in rng.sample(range(11, 100), 8)]
    cases += [(f"leta {_ordinal(n, 'ega')}", f"leta {n}") for n in rng.sample(range(1000, 2100), 8)]
    return cases


def cases() -> list[tuple[str, str]]:
    return generated() + HAND
