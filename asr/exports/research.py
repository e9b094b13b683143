"""For research tools: ELAN (.eaf, a tier per speaker, optionally a word tier under each) and Praat TextGrid.

A transcript without speakers has one tier named after the transcript. Word tiers hold the raw timed words.
Within a tier, intervals never overlap (a start before the previous end is moved up to it).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from asr.exports.common import FIXED_TIME, label, spoken
from asr.exports.options import ExportOptions
from asr.types import Transcript

EAF_VERSION = "3.0"
EAF_SCHEMA = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
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


def to_eaf(transcript: Transcript, options: ExportOptions) -> bytes:
    """An ELAN annotation document (EAF 3.0) linked to the audio file by name."""
    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": "Prepis", "DATE": FIXED_TIME.isoformat(), "FORMAT": EAF_VERSION, "VERSION": EAF_VERSION,
        "xmlns:xsi": XSI, "xsi:noNamespaceSchemaLocation": EAF_SCHEMA})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    if transcript.info.audio.filename:
        ET.SubElement(header, "MEDIA_DESCRIPTOR", {"MEDIA_URL": transcript.info.audio.filename,
                                                   "RELATIVE_MEDIA_URL": f"./{transcript.info.audio.filename}"})
    order = ET.SubElement(root, "TIME_ORDER")
    tiers = _tiers(transcript, options)
    slot = annotation = 0
    for name, intervals in tiers.items():
        tier = ET.Element("TIER", {"LINGUISTIC_TYPE_REF": "default-lt", "TIER_ID": name})
        for start, end, text in intervals:
            for ms in (start, end):
                slot += 1
                ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{slot}", "TIME_VALUE": str(round(ms * 1000))})
            annotation += 1
            aligned = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
                "ANNOTATION_ID": f"a{annotation}", "TIME_SLOT_REF1": f"ts{slot - 1}", "TIME_SLOT_REF2": f"ts{slot}"})
            ET.SubElement(aligned, "ANNOTATION_VALUE").text = text
        root.append(tier)
    ET.SubElement(root, "LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": "default-lt",
                                            "TIME_ALIGNABLE": "true"})
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"


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
