"""Pure writers: Transcript -> bytes, in one registry (WRITERS). Disk I/O is the caller's.

export(transcript, "srt", ExportOptions(subtitles="broadcast")) gives the file's bytes; the training manifest
also needs the decoded samples of the recording (`samples=`). Format names are case-insensitive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from asr.errors import RequestError
from asr.exports.common import FIXED_TIME, format_date, format_timestamp
from asr.exports.docx import to_docx
from asr.exports.options import ExportOptions
from asr.exports.research import to_eaf, to_textgrid
from asr.exports.subtitles import cue_text, subtitle_cues, to_srt, to_vtt
from asr.exports.text import to_csv, to_json, to_txt
from asr.exports.training import review_report, to_manifest, to_report
from asr.types import Transcript

__all__ = ["FIXED_TIME", "FORMATS", "WRITERS", "ExportOptions", "Writer", "cue_text", "export", "extension",
           "format_date", "format_timestamp", "needs_audio", "review_report", "subtitle_cues"]


@dataclass(frozen=True)
class Writer:
    write: Callable[..., bytes]  # (transcript, options) -> bytes, or (transcript, options, samples) with audio
    extension: str  # of the file written
    needs_audio: bool = False


WRITERS: dict[str, Writer] = {
    "txt": Writer(to_txt, "txt"),
    "srt": Writer(to_srt, "srt"),
    "vtt": Writer(to_vtt, "vtt"),
    "json": Writer(to_json, "json"),
    "docx": Writer(to_docx, "docx"),
    "eaf": Writer(to_eaf, "eaf"),
    "textgrid": Writer(to_textgrid, "TextGrid"),
    "csv": Writer(to_csv, "csv"),
    "manifest": Writer(to_manifest, "manifest.zip", needs_audio=True),
    "report": Writer(to_report, "review.json"),
}
FORMATS = tuple(WRITERS)


def _writer(fmt: str) -> Writer:
    try:
        return WRITERS[str(fmt).strip().lower()]
    except KeyError:
        raise RequestError(f"Unknown format {fmt!r}; choose one of {', '.join(FORMATS)}.") from None


def extension(fmt: str) -> str:
    """The file extension of a format ("TextGrid", "manifest.zip", ...)."""
    return _writer(fmt).extension


def needs_audio(fmt: str) -> bool:
    """Whether the format cuts the recording (export() then needs its decoded samples)."""
    return _writer(fmt).needs_audio


def export(transcript: Transcript, fmt: str, options: ExportOptions | None = None,
           samples: np.ndarray | None = None) -> bytes:
    """The transcript in one of FORMATS; `samples` (16 kHz mono float32) only for formats that cut the audio."""
    writer = _writer(fmt)
    options = options or ExportOptions()
    if writer.needs_audio:
        return writer.write(transcript, options, samples)
    return writer.write(transcript, options)
