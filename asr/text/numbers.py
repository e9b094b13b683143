"""Slovenian numbers from spelled-out words to digits (inverse text normalisation), word spans kept.

A small grammar, not a model: a number phrase is `[hundreds] [below-hundred]` groups joined by scale words
(tisoč, milijon, milijarda) in falling order, optionally ending in an ordinal ("petega", "enaindvajseti").
Words that cannot continue a phrase start a new one, so "tristo petdeset tristo petdeset" is two numbers.
When a run of number words splits into several phrases ("ena dva tri", "dvajset pet") it is ambiguous
(a count, a list, a misheard number) and stays as words: the stage never writes digits it is unsure of.

What becomes digits: a phrase of two or more words or a value of 11 and more ("petnajst" -> "15"); any
number before a unit, a currency, a percent word or after "minus" ("pet odstotkov" -> "5 %", "minus pet
stopinj" -> "-5 stopinj"); an ordinal before a month ("petega maja" -> "5. maja"); decimals with "cela" or
"vejica" ("tri cele pet" -> "3,5"); times after "ob" ("ob trinajstih trideset" -> "ob 13.30"); a year read
as a genitive ordinal after "leta" ("leta tisoč devetsto enaindevetdesetega" -> "leta 1991"). Single small
numbers ("pet", "drugi"), a bare "sto", "tisoč" or "milijon" and "nič" stay words, as Slovenian writing keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from asr.types import Token

BELOW, HUNDREDS, SCALE = "below", "hundreds", "scale"  # kinds of number words
DIGITS_FROM = 11  # a lone cardinal or ordinal word from this value up is written in digits
GROUP_FROM = 10_000  # values from here up are grouped by thousands with a period (350.000)
MAX_DAY, MAX_HOUR, MAX_MINUTE = 31, 24, 59

UNIT_STEMS = {1: "ena", 2: "dva", 3: "tri", 4: "štiri", 5: "pet", 6: "šest", 7: "sedem", 8: "osem", 9: "devet"}
TEENS = {10: "deset", 11: "enajst", 12: "dvanajst", 13: "trinajst", 14: "štirinajst", 15: "petnajst",
         16: "šestnajst", 17: "sedemnajst", 18: "osemnajst", 19: "devetnajst"}
TENS = {20: "dvajset", 30: "trideset", 40: "štirideset", 50: "petdeset", 60: "šestdeset", 70: "sedemdeset",
        80: "osemdeset", 90: "devetdeset"}
HUNDRED_WORDS = {100: "sto", 200: "dvesto", 300: "tristo", 400: "štiristo", 500: "petsto", 600: "šeststo",
                 700: "sedemsto", 800: "osemsto", 900: "devetsto"}
SCALES = {1000: ("tisoč",), 10**6: ("milijon", "milijona", "milijone", "milijonov", "milijoni", "milijonih"),
          10**9: ("milijarda", "milijardi", "milijarde", "milijard", "milijardah")}
# inflected cardinals that do not follow the -ih/-im/-imi pattern of pet, petih, petim, petimi
IRREGULAR = {0: ("nič",), 1: ("en", "ena", "eno", "ene", "eni", "enega", "enemu", "enim", "enima"),
             2: ("dva", "dve", "dveh", "dvema", "dvem"), 3: ("tri", "trije", "treh", "trem", "tremi"),
             4: ("štiri", "štirje", "štirih", "štirim", "štirimi"), 7: ("sedem", "sedmih", "sedmim", "sedmimi"),
             8: ("osem", "osmih", "osmim", "osmimi")}
OBLIQUE_ENDINGS = ("ih", "im", "imi")
ORDINAL_STEMS = {1: "prv", 2: "drug", 3: "tretj", 4: "četrt", 7: "sedm", 8: "osm"}
ORDINAL_ENDINGS = ("i", "a", "o", "e", "ega", "emu", "em", "im", "ih", "ima", "imi")
GENITIVE_ORDINAL = ("ega", "em")  # "leta devetsto enaindevetdesetega" / "v letu ...em": a year, no period

MONTHS = ("januar", "februar", "marec", "marca", "april", "maj", "junij", "julij", "avgust", "september",
          "septembra", "oktober", "oktobra", "november", "novembra", "december", "decembra")
MONTH_CASES = ("", "ja", "ju", "jem", "a", "u", "om")
YEAR_CUES = frozenset({"leta", "leto", "letu", "letom"})
TIME_CUES = frozenset({"ob"})
MINUS = frozenset({"minus"})
DECIMAL_WORDS = frozenset({"cela", "celi", "cele", "celih", "vejica"})
PERCENT = frozenset({"odstotek", "odstotka", "odstotke", "odstotki", "odstotkov", "odstotkih", "procent",
                     "procenta", "procente", "procenti", "procentov"})
UNITS = frozenset({
    "evro", "evra", "evre", "evri", "evrov", "cent", "centa", "cente", "centi", "centov", "dolar", "dolarja",
    "dolarje", "dolarji", "dolarjev", "tolar", "tolarja", "tolarje", "tolarji", "tolarjev", "funtov",
    "stopinja", "stopinji", "stopinje", "stopinj", "meter", "metra", "metre", "metri", "metrov",
    "kilometer", "kilometra", "kilometre", "kilometri", "kilometrov", "centimetrov", "milimetrov",
    "kilogram", "kilograma", "kilograme", "kilogrami", "kilogramov", "gramov", "ton", "litrov", "litra",
    "liter", "litre", "hektarjev", "minut", "minuti", "minute", "minuto", "sekund", "sekundi",
    "sekunde", "sekundo", "ur", "uri", "ure", "uro", "odstotnih", "točk", "točke", "točki",
})


@dataclass(frozen=True)
class NumberWord:
    value: int
    kind: str  # BELOW, HUNDREDS or SCALE
    ordinal: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words [first, last) that read as one number."""

    first: int
    last: int  # exclusive
    value: int
    ordinal: bool
    genitive: bool  # an ordinal ending in -ega/-em


def _below_hundred() -> dict[int, str]:
    words = {**UNIT_STEMS, **TEENS, **TENS}
    for tens, tens_word in TENS.items():
        for unit, stem in UNIT_STEMS.items():
            words[tens + unit] = f"{stem}in{tens_word}"
    return words


def ordinal_stem(value: int, word: str) -> str:
    """The stem of the ordinal of a cardinal word: pet -> pet(i), sedem -> sedm(i), sto -> stot(i)."""
    if value in ORDINAL_STEMS:
        return ORDINAL_STEMS[value]
    if value >= 100 and value < 1000:
        return word + "t"
    if value == 10**6:
        return "milijont"
    return word


@cache
def lexicon() -> dict[str, NumberWord]:
    """Every spelled-out number word this grammar reads, with its value and kind (built on first use)."""
    lex: dict[str, NumberWord] = {}
    cardinals = [(v, w, BELOW) for v, w in _below_hundred().items()]
    cardinals += [(v, w, HUNDREDS) for v, w in HUNDRED_WORDS.items()] + [(1000, "tisoč", SCALE)]
    for value, word, kind in cardinals:
        lex[word] = NumberWord(value, kind)
        if value not in IRREGULAR and kind == BELOW:
            for ending in OBLIQUE_ENDINGS:
                lex[word + ending] = NumberWord(value, kind)
        for ending in ORDINAL_ENDINGS:
            lex.setdefault(ordinal_stem(value, word) + ending, NumberWord(value, kind, ordinal=True))
    for value, forms in IRREGULAR.items():
        for form in forms:
            lex[form] = NumberWord(value, BELOW)
    for value, forms in SCALES.items():
        for form in forms:
            lex[form] = NumberWord(value, SCALE)
    return lex


@cache
def months() -> frozenset[str]:
    """Month names in the cases a date uses (petega maja, v maju)."""
    stems = {m[:-2] + "c" if m == "marec" else m for m in MONTHS}
    forms = {m + case for m in stems for case in MONTH_CASES}
    return frozenset(forms | set(MONTHS) | {"marec", "marcu", "marcem"})


def parse_phrase(words: list[str], i: int) -> Phrase | None:
    """The longest number phrase starting at words[i], or None when words[i] is no number word."""
    lex = lexicon()
    total = group = 0
    has_hundreds = has_below = False
    last_scale = 10**12
    j, ordinal = i, False
    while j < len(words) and not ordinal and (word := lex.get(words[j])) is not None:
        if word.kind == HUNDREDS and (has_hundreds or has_below):
            break
        if word.kind == BELOW and has_below:
            break
        if word.kind == SCALE:
            if word.value >= last_scale:
                break
            total += max(group, 1) * word.value
            group, has_hundreds, has_below, last_scale = 0, False, False, word.value
        else:
            group += word.value
            has_hundreds = has_hundreds or word.kind == HUNDREDS
            has_below = has_below or word.kind == BELOW
        ordinal = word.ordinal
        j += 1
    if j == i:
        return None
    return Phrase(i, j, total + group, ordinal, ordinal and words[j - 1].endswith(GENITIVE_ORDINAL))


def digits(value: int) -> str:
    """350 -> '350', 2023 -> '2023', 350000 -> '350.000' (Slovenian thousands separator)."""
    text = str(value)
    if value < GROUP_FROM:
        return text
    return f"{value:,}".replace(",", ".")


def _is_digit_word(word: str) -> bool:
    hit = lexicon().get(word)
    return hit is not None and hit.value < 10 and not hit.ordinal


def _decimal(words: list[str], whole: Phrase) -> tuple[str, int] | None:
    """'tri cele pet' / 'dvanajst celih sedem pet' / 'ena vejica nič pet' -> ('3,5', end index)."""
    k = whole.last
    if whole.ordinal or k + 1 >= len(words) or words[k] not in DECIMAL_WORDS:
        return None
    end = k + 1
    while end < len(words) and _is_digit_word(words[end]):
        end += 1
    if end - (k + 1) >= 2:  # digit by digit: "sedem pet" -> 75
        return digits(whole.value) + "," + "".join(str(lexicon()[w].value) for w in words[k + 1:end]), end
    fraction = parse_phrase(words, k + 1)
    if fraction is None or fraction.ordinal:
        return None
    return f"{digits(whole.value)},{fraction.value}", fraction.last


def _time(words: list[str], hour: Phrase) -> tuple[str, int] | None:
    """'ob trinajstih trideset' -> ('13.30', end); 'ob osmih nič pet' -> ('8.05', end)."""
    if hour.first == 0 or words[hour.first - 1] not in TIME_CUES or hour.last - hour.first != 1:
        return None
    if hour.ordinal or hour.value > MAX_HOUR:
        return None
    k = hour.last
    if k + 1 < len(words) and words[k] == "nič" and _is_digit_word(words[k + 1]):
        return f"{hour.value}.0{lexicon()[words[k + 1]].value}", k + 2
    minutes = parse_phrase(words, k)
    if minutes is None or minutes.ordinal or minutes.value > MAX_MINUTE or minutes.value == 0:
        return None
    if minutes.last < len(words) and words[minutes.last] in lexicon():
        return None
    return f"{hour.value}.{minutes.value:02d}", minutes.last


def _number_text(words: list[str], phrase: Phrase) -> str | None:
    """The digits a lone phrase becomes in its context, or None to keep its words."""
    before = words[phrase.first - 1] if phrase.first else ""
    after = words[phrase.last] if phrase.last < len(words) else ""
    several = phrase.last - phrase.first > 1
    lone_kind = lexicon()[words[phrase.first]].kind
    if phrase.ordinal:
        if after in months():
            return f"{phrase.value}." if 1 <= phrase.value <= MAX_DAY else None
        if before in YEAR_CUES and phrase.genitive and phrase.value >= 1000:
            return digits(phrase.value)
        return f"{digits(phrase.value)}." if several or phrase.value >= DIGITS_FROM else None
    if after in UNITS or after in PERCENT or before in MINUS:
        return digits(phrase.value)
    if words[phrase.first] == "nič" and not several:
        return None
    if several or (phrase.value >= DIGITS_FROM and lone_kind != SCALE and words[phrase.first] != "sto"):
        return digits(phrase.value)
    return None


def _run_end(words: list[str], i: int) -> int:
    """The end of the run of number words (and decimal words between them) that starts at i."""
    lex, j = lexicon(), i
    while j < len(words) and (words[j] in lex or (words[j] in DECIMAL_WORDS and j + 1 < len(words)
                                                   and words[j + 1] in lex and j > i)):
        j += 1
    return j


def _convert_run(words: list[str], i: int, end: int, breaks: frozenset[int]) -> list[Token] | None:
    """Tokens for the number phrase that starts the run [i, end), or None when it is ambiguous and stays words:
    it must fill the run, or end where punctuation splits the run ("leta tisoč petsto. dve leti kasneje")."""
    phrase = parse_phrase(words, i)
    special = _time(words, phrase) or _decimal(words, phrase)
    if special is not None:
        text, stop = special
        if stop != end:
            return None
        return _signed(words, text, i, stop - 1)
    if phrase.last != end and phrase.last - 1 not in breaks:
        return None
    text = _number_text(words, phrase)
    if text is None:
        return None
    return _signed(words, text, i, phrase.last - 1)


def _signed(words: list[str], text: str, first: int, last: int) -> list[Token]:
    """The number's token(s): 'minus' joins it (-5); a percent word after it becomes '%'."""
    tokens = [Token(text, first, last)]
    if last + 1 < len(words) and words[last + 1] in PERCENT:
        tokens.append(Token("%", last + 1, last + 1))
    return tokens


def number_tokens(words: list[str], breaks: frozenset[int] = frozenset()) -> list[Token]:
    """Raw lowercase words -> display tokens with numbers in digits; each token spans its raw words.

    `breaks`: indices of words followed by punctuation; a run of number words split there is not ambiguous.
    """
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        if words[i] not in lexicon():
            tokens.append(Token(words[i], i, i))
            i += 1
            continue
        end = _run_end(words, i)
        converted = _convert_run(words, i, end, breaks)
        if converted is None:
            tokens.extend(Token(words[k], k, k) for k in range(i, end))
        else:
            tokens.extend(_with_sign(tokens, converted, words))
            end = converted[-1].last + 1
        i = end
    return tokens


def _with_sign(before: list[Token], number: list[Token], words: list[str]) -> list[Token]:
    """A 'minus' just before a number becomes its sign: ['minus', '5'] -> ['-5'] spanning both words."""
    if before and before[-1].last == number[0].first - 1 and words[before[-1].first] in MINUS:
        minus = before.pop()
        number = [Token("-" + number[0].text, minus.first, number[0].last), *number[1:]]
    return number
