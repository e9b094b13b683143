"""For research tools: ELAN (.eaf, a tier per speaker, optionally a word tier under each) and Praat TextGrid.

A transcript without speakers has one tier named after the transcript. Word tiers hold the raw timed words.
Within a tier, intervals never overlap (a start before the previous end is moved up to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from asr.exports.common import FIXED_TIME, label, spoken
from asr.exports.options import ExportOptions
from asr.types import Transcript

EAF_VERSION = "3.0"
EAF_SCHEMA = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ATTRIBUTE_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#09;"}
MIN_INTERVAL = 0.001  # seconds: the shortest interval written (zero-length ones are not allowed)

Interval = tuple[float, float, str]


def _tiers(transcript: Transcript, options: ExportOptions) -> dict[str, list[Interval]]:
    """Tier name -> its intervals, in the order speakers first speak; word tiers follow their speaker's."""
    default = label(options.lang, "transcript")
    tiers: dict[str, list[Interval]] = {}
    for s in spoken(transcript):
        name = s.speaker or default
        tiers.setdefault(name, []).append((s.start, s.end, " ".join(s.text.split())))
        if options.words_tier:
            words = tiers.setdefault(f"{name} ({label(options.lang, 'words')})", [])
            words += [(w.start, w.end, w.word) for w in s.words]
    return {name: list(_ordered(intervals)) for name, intervals in tiers.items()}


def _ordered(intervals: list[Interval]) -> Iterator[Interval]:
    previous = 0.0
    for start, end, text in intervals:
        start = max(start, previous)
        end = max(end, start + MIN_INTERVAL)
        previous = end
        yield round(start, 3), round(end, 3), text


def _attrs(**values: str) -> str:
    """XML attributes; a double underscore in a name stands for its namespace colon."""
    return "".join(f' {name.replace("__", ":")}={quoteattr(value, ATTRIBUTE_ENTITIES)}'
                   for name, value in values.items())


def to_eaf(transcript: Transcript, options: ExportOptions) -> bytes:
    """An ELAN annotation document (EAF 3.0) linked to the audio file by name; its XML is written as text (an
    element tree of 600 000 word annotations cost four times as long)."""
    audio = transcript.info.audio.filename
    head = ["<?xml version='1.0' encoding='UTF-8'?>",
            "<ANNOTATION_DOCUMENT" + _attrs(AUTHOR="Prepis", DATE=FIXED_TIME.isoformat(), FORMAT=EAF_VERSION,
                                            VERSION=EAF_VERSION, xmlns__xsi=XSI,
                                            xsi__noNamespaceSchemaLocation=EAF_SCHEMA) + ">"]
    if audio:
        head += ['  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">',
                 f"    <MEDIA_DESCRIPTOR{_attrs(MEDIA_URL=audio, RELATIVE_MEDIA_URL=f'./{audio}')} />", "  </HEADER>"]
    else:
        head.append('  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds" />')
    slots, tiers = [], []
    for name, intervals in _tiers(transcript, options).items():
        tiers.append(f'  <TIER{_attrs(LINGUISTIC_TYPE_REF="default-lt", TIER_ID=name)}>')
        for start, end, text in intervals:
            first = len(slots) + 1
            slots += [f'    <TIME_SLOT TIME_SLOT_ID="ts{first}" TIME_VALUE="{round(start * 1000)}" />',
                      f'    <TIME_SLOT TIME_SLOT_ID="ts{first + 1}" TIME_VALUE="{round(end * 1000)}" />']
            tiers += ["    <ANNOTATION>",
                      f'      <ALIGNABLE_ANNOTATION ANNOTATION_ID="a{first // 2 + 1}" TIME_SLOT_REF1="ts{first}" '
                      f'TIME_SLOT_REF2="ts{first + 1}">',
                      f"        <ANNOTATION_VALUE>{escape(text)}</ANNOTATION_VALUE>",
                      "      </ALIGNABLE_ANNOTATION>", "    </ANNOTATION>"]
        tiers.append("  </TIER>")
    order = ["  <TIME_ORDER>", *slots, "  </TIME_ORDER>"] if slots else ["  <TIME_ORDER />"]
    tail = ['  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true" />',
            "</ANNOTATION_DOCUMENT>"]
    return ("\n".join(head + order + tiers + tail) + "\n").encode("utf-8")


def _num(seconds: float) -> str:
    return repr(round(float(seconds), 3))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _filled(intervals: list[Interval], xmax: float) -> Iterator[Interval]:
    """The tier's intervals with empty ones in the silences, covering 0..xmax (Praat needs no holes)."""
    position = 0.0
    for start, end, text in intervals:
        if start > position:
            yield position, start, ""
        yield start, end, text
        position = end
    if xmax > position:
        yield position, xmax, ""


def to_textgrid(transcript: Transcript, options: ExportOptions) -> bytes:
    """A Praat TextGrid (long text format) with an interval tier per speaker (and per speaker's words)."""
    tiers = _tiers(transcript, options)
    xmax = max([transcript.info.audio.duration] + [i[-1][1] for i in tiers.values() if i])
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0", f"xmax = {_num(xmax)}",
             "tiers? <exists>", f"size = {len(tiers)}", "item []:"]
    for n, (name, intervals) in enumerate(tiers.items(), start=1):
        filled = list(_filled(intervals, xmax))
        lines += [f"    item [{n}]:", '        class = "IntervalTier"', f"        name = {_quoted(name)}",
                  "        xmin = 0", f"        xmax = {_num(xmax)}", f"        intervals: size = {len(filled)}"]
        for k, (start, end, text) in enumerate(filled, start=1):
            lines += [f"        intervals [{k}]:", f"            xmin = {_num(start)}",
                      f"            xmax = {_num(end)}", f"            text = {_quoted(text)}"]
    return ("\n".join(lines) + "\n").encode("utf-8")
