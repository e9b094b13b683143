"""DOCX for a newsroom: A4, labels in the reader's language, a header of facts, then a table time | speaker | text
(or paragraphs under speaker headings), uncertain words optionally highlighted.

Elements are appended directly to the body and the table (python-docx's add_paragraph and row lookups search
the whole document each time, which made a 50 000-segment export quadratic).
"""

from __future__ import annotations

import io

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
HEADER_SHADE = "E7E6E6"
REVIEWED_MARK = "✓"  # the table's header row, light grey


def _append_paragraph(doc, style: str | None = None):
    """A new paragraph at the end of the body (before the section properties), in constant time."""
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    p = OxmlElement("w:p")
    doc.element.body.sectPr.addprevious(p)
    paragraph = Paragraph(p, doc._body)
    if style:
        paragraph.style = doc.styles[style]
    return paragraph


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


def _text_runs(paragraph, segment: Segment, options: ExportOptions) -> None:
    """The segment's text; with highlighting, runs of uncertain tokens are marked yellow."""
    from docx.enum.text import WD_COLOR_INDEX

    if not options.highlight:
        paragraph.add_run(" ".join(segment.text.split()))
        return
    runs: list[tuple[bool, list[str]]] = []
    for token in timed_tokens(segment):
        unsure = token.confidence is not None and token.confidence < options.low_confidence
        if runs and runs[-1][0] == unsure:
            runs[-1][1].append(token.text)
        else:
            runs.append((unsure, [token.text]))
    for i, (unsure, texts) in enumerate(runs):
        space = " " if i else ""
        if unsure:  # the space before a marked run stays unmarked
            if space:
                paragraph.add_run(space)
            paragraph.add_run(" ".join(texts)).font.highlight_color = WD_COLOR_INDEX.YELLOW
        else:
            paragraph.add_run(space + " ".join(texts))


def _table(doc, transcript: Transcript, options: ExportOptions, speakers: bool) -> None:
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt
    from docx.table import _Cell

    widths = [TIME_COLUMN_MM] + ([SPEAKER_COLUMN_MM] if speakers else [])
    widths.append(A4_MM[0] - 2 * MARGIN_MM - sum(widths))
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles[TABLE_STYLE]
    tbl = table._tbl

    def row(header: bool = False) -> list:
        tr = tbl.add_tr()
        if header:  # repeated at the top of every page
            tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        cells = []
        for width, grid in zip(widths, tbl.tblGrid.gridCol_lst, strict=True):
            grid.w = tc_width = Mm(width)
            tc = tr.add_tc()
            tc.width = tc_width
            if header:
                tc.get_or_add_tcPr().append(_shade(OxmlElement("w:shd")))
            paragraph = _Cell(tc, table).paragraphs[0]
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(CELL_SPACING_PT)
            cells.append(paragraph)
        return cells

    keys = ["time"] + (["speaker"] if speakers else []) + ["text"]
    for cell, key in zip(row(header=True), keys, strict=True):
        cell.add_run(label(options.lang, key)).bold = True
    for s in spoken(transcript):
        cells = row()
        cells[0].add_run(_time(s))
        if speakers:
            cells[1].add_run(s.speaker or "")
        _text_runs(cells[-1], s, options)


def _shade(shd):
    from docx.oxml.ns import qn

    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), HEADER_SHADE)
    return shd


def _paragraphs(doc, transcript: Transcript, options: ExportOptions) -> None:
    speaker = None
    for s in spoken(transcript):
        if s.speaker and s.speaker != speaker:
            _append_paragraph(doc, f"Heading {SPEAKER_LEVEL}").add_run(s.speaker)
        speaker = s.speaker
        paragraph = _append_paragraph(doc)
        paragraph.add_run(f"[{_time(s)}] ").bold = True
        _text_runs(paragraph, s, options)


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
