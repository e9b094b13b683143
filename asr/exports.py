"""Pure writers: Transcript -> bytes of TXT, SRT, WebVTT, JSON or DOCX. Disk I/O is the caller's."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

from asr.errors import RequestError
from asr.types import Transcript

# DOCX metadata time, fixed so that the same transcript always gives the same bytes
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def format_timestamp(seconds: float, decimal_marker: str = ".", always_hours: bool = True) -> str:
    """12.345 -> '00:00:12.345' (SRT uses ',' as decimal marker)."""
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    head = f"{hours:02d}:" if always_hours or hours else ""
    return f"{head}{minutes:02d}:{secs:02d}{decimal_marker}{ms:03d}"


def _spoken(transcript: Transcript):
    return [s for s in transcript.segments if s.text.strip()]


def to_txt(transcript: Transcript) -> bytes:
    return "".join(f"{s.text}\n" for s in _spoken(transcript)).encode("utf-8")


def cue_text(text: str) -> str:
    """A reviewer's text made safe for one subtitle cue: no blank line ends it early, no `-->` reads as timing."""
    return " ".join(text.split()).replace("-->", "\u2192")


def to_srt(transcript: Transcript) -> bytes:
    blocks = [
        f"{i}\n{format_timestamp(s.start, ',')} --> {format_timestamp(s.end, ',')}\n{cue_text(s.text)}\n"
        for i, s in enumerate(_spoken(transcript), start=1)
    ]
    return "\n".join(blocks).encode("utf-8")


def to_vtt(transcript: Transcript) -> bytes:
    cues = [f"{format_timestamp(s.start)} --> {format_timestamp(s.end)}\n{cue_text(s.text)}\n"
            for s in _spoken(transcript)]
    return "\n".join(["WEBVTT\n", *cues]).encode("utf-8")


def to_json(transcript: Transcript) -> bytes:
    return (json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_docx(transcript: Transcript) -> bytes:
    """A Word document: the file name as title, a line about how it was made, one time-stamped paragraph a segment."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    props.created = props.modified = FIXED_TIME
    props.title = transcript.info.audio.filename or "Prepis"
    props.author = props.last_modified_by = "Prepis"
    props.revision = 1
    doc.add_heading(props.title, level=1)
    duration = format_timestamp(transcript.info.audio.duration, always_hours=True)
    doc.add_paragraph(f"Model: {transcript.info.model.name} · Duration: {duration}")
    for s in _spoken(transcript):
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"[{format_timestamp(s.start)}] ").bold = True
        paragraph.add_run(s.text)
    buf = io.BytesIO()
    doc.save(buf)
    return _canonical_zip(buf.getvalue())


def _canonical_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member times, so identical content gives identical bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


WRITERS: dict[str, Callable[[Transcript], bytes]] = {
    "txt": to_txt,
    "srt": to_srt,
    "vtt": to_vtt,
    "json": to_json,
    "docx": to_docx,
}
FORMATS = tuple(WRITERS)


def export(transcript: Transcript, fmt: str) -> bytes:
    """The transcript in one of FORMATS."""
    try:
        writer = WRITERS[fmt.lower()]
    except KeyError:
        raise RequestError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.") from None
    return writer(transcript)
