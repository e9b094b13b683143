"""DOCX for a newsroom: A4, labels in the reader's language, a header of facts, then a table time | speaker | text
(or paragraphs under speaker headings), uncertain words optionally highlighted.

The header is made with python-docx; the transcript's rows or paragraphs are written as WordprocessingML text,
parsed once and appended (python-docx's add_paragraph and row lookups search the whole document each time,
which made a 50 000-segment export quadratic, and its element API costs about a millisecond a segment).
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from asr.exports.common import FIXED_TIME, canonical_zip, format_timestamp, label, review_share, spoken, timed_tokens
from asr.exports.options import ExportOptions
from asr.types import Segment, Transcript

A4_MM = (210, 297)
MARGIN_MM = 20
TIME_COLUMN_MM, SPEAKER_COLUMN_MM = 28, 32
TABLE_STYLE = "Table Grid"
TITLE_LEVEL, SPEAKER_LEVEL = 1, 2  # heading levels
FACT_SPACING_PT, CELL_SPACING_PT, NOTE_SPACING_PT = 1, 2, 8  # space after a header fact, in a table cell, before
# the transcript
HEADER_SHADE = "E7E6E6"  # the table's header row, light grey
REVIEWED_MARK = "✓"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML cannot hold


def _append_paragraph(doc):
    """A new paragraph at the end of the body (before the section properties), in constant time."""
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    p = OxmlElement("w:p")
    doc.element.body.sectPr.addprevious(p)
    return Paragraph(p, doc._body)


def _page(doc) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(MARGIN_MM)


def _header(doc, transcript: Transcript, options: ExportOptions) -> None:
    from docx.shared import Pt

    lang, info = options.lang, transcript.info
    title = label(lang, "title") + (f": {info.audio.filename}" if info.audio.filename else "")
    doc.add_heading(title, level=TITLE_LEVEL)
    done, total, pct = review_share(transcript)
    facts = [("date", options.date), ("file", info.audio.filename),
             ("duration", format_timestamp(info.audio.duration).split(".")[0]), ("model", info.model.name),
             ("reviewed", label(lang, "reviewed_share", done=done, total=total, pct=pct))]
    for key, value in facts:
        if value:
            paragraph = _append_paragraph(doc)
            paragraph.paragraph_format.space_after = Pt(FACT_SPACING_PT)
            paragraph.add_run(f"{label(lang, key)}: ").bold = True
            paragraph.add_run(value)
    legend = [label(lang, "reviewed_mark")]
    if options.highlight:
        legend.append(label(lang, "uncertain", pct=round(100 * options.low_confidence)))
    note = _append_paragraph(doc)
    note.paragraph_format.space_after = Pt(NOTE_SPACING_PT)
    note.add_run(" · ".join(legend)).italic = True


def _time(segment: Segment) -> str:
    """The segment's start to the second, and ✓ when it is reviewed."""
    return format_timestamp(segment.start).split(".")[0] + (f" {REVIEWED_MARK}" if segment.reviewed else "")


def _run(text: str, bold: bool = False, highlight: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ('<w:highlight w:val="yellow"/>' if highlight else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(_NOT_XML.sub("", text))}</w:t></w:r>'


def _text(segment: Segment, options: ExportOptions) -> str:
    """The runs of the segment's text; with highlighting, runs of uncertain tokens are marked yellow."""
    if not options.highlight:
        return _run(" ".join(segment.text.split()))
    runs: list[tuple[bool, list[str]]] = []
    for token in timed_tokens(segment):
        unsure = token.confidence is not None and token.confidence < options.low_confidence
        if runs and runs[-1][0] == unsure:
            runs[-1][1].append(token.text)
        else:
            runs.append((unsure, [token.text]))
    out = []
    for i, (unsure, texts) in enumerate(runs):
        space = " " if i else ""
        if unsure:  # the space before a marked run stays unmarked
            out.append((_run(space) if space else "") + _run(" ".join(texts), highlight=True))
        else:
            out.append(_run(space + " ".join(texts)))
    return "".join(out)


def _elements(xml: list[str]):
    """WordprocessingML fragments parsed in one go (python-docx's element API costs ~1 ms a segment)."""
    from docx.oxml import parse_xml

    return list(parse_xml(f'<w:body xmlns:w="{W_NS}">{"".join(xml)}</w:body>'))


def _table(doc, transcript: Transcript, options: ExportOptions, speakers: bool) -> None:
    from docx.shared import Mm, Pt

    widths = [TIME_COLUMN_MM] + ([SPEAKER_COLUMN_MM] if speakers else [])
    widths.append(A4_MM[0] - 2 * MARGIN_MM - sum(widths))
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles[TABLE_STYLE]
    for grid, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid.w = Mm(width)
    twips = [Mm(w).twips for w in widths]
    gap = Pt(CELL_SPACING_PT).twips
    spacing = f'<w:pPr><w:spacing w:before="{gap}" w:after="{gap}"/></w:pPr>'
    shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_SHADE}"/>'

    def row(cells: list[str], header: bool = False) -> str:
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""  # repeated at the top of every page
        tcs = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shade if header else ""}</w:tcPr>'
                      f"<w:p>{spacing}{runs}</w:p></w:tc>" for w, runs in zip(twips, cells, strict=True))
        return f"<w:tr>{trpr}{tcs}</w:tr>"

    keys = ["time"] + (["speaker"] if speakers else []) + ["text"]
    rows = [row([_run(label(options.lang, key), bold=True) for key in keys], header=True)]
    for s in spoken(transcript):
        rows.append(row([_run(_time(s))] + ([_run(s.speaker or "")] if speakers else []) + [_text(s, options)]))
    for tr in _elements(rows):
        table._tbl.append(tr)


def _paragraphs(doc, transcript: Transcript, options: ExportOptions) -> None:
    """A heading wherever the speaker changes, then one paragraph a segment."""
    heading = doc.styles[f"Heading {SPEAKER_LEVEL}"].style_id
    xml, speaker = [], None
    for s in spoken(transcript):
        if s.speaker and s.speaker != speaker:
            xml.append(f'<w:p><w:pPr><w:pStyle w:val="{heading}"/></w:pPr>{_run(s.speaker)}</w:p>')
        speaker = s.speaker
        xml.append(f"<w:p>{_run(f'[{_time(s)}] ', bold=True)}{_text(s, options)}</w:p>")
    end = doc.element.body.sectPr
    for p in _elements(xml):
        end.addprevious(p)


def to_docx(transcript: Transcript, options: ExportOptions) -> bytes:
    """The Word document; the same transcript and options always give the same bytes."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.created = props.modified = FIXED_TIME
    props.title = transcript.info.audio.filename or label(options.lang, "title")
    props.author = props.last_modified_by = "Prepis"
    props.language = options.lang
    props.revision = 1
    _page(doc)
    _header(doc, transcript, options)
    if options.docx == "table":
        _table(doc, transcript, options, speakers=any(s.speaker for s in transcript.segments))
    else:
        _paragraphs(doc, transcript, options)
    buf = io.BytesIO()
    doc.save(buf)
    return canonical_zip(buf.getvalue())
