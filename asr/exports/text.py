"""Plain writers: TXT (plain, or with times and speakers), JSON (the transcript itself) and CSV."""

from __future__ import annotations

import csv
import io
import json

from asr.exports.common import format_timestamp, spoken
from asr.exports.options import ExportOptions
from asr.types import Transcript

SEGMENT_COLUMNS = ("id", "start", "end", "speaker", "reviewed", "edited", "text")
WORD_COLUMNS = ("segment", "start", "end", "speaker", "confidence", "aligned", "word")


def to_txt(transcript: Transcript, options: ExportOptions) -> bytes:
    """One line a segment; "timed": '[00:01:02.300] Speaker: text', the speaker only where it is known."""
    if options.txt == "plain":
        return "".join(f"{s.text.strip()}\n" for s in spoken(transcript)).encode("utf-8")
    lines = []
    for s in spoken(transcript):
        who = f"{s.speaker}: " if s.speaker else ""
        lines.append(f"[{format_timestamp(s.start)}] {who}{' '.join(s.text.split())}\n")
    return "".join(lines).encode("utf-8")


def to_json(transcript: Transcript, options: ExportOptions) -> bytes:
    return (json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_csv(transcript: Transcript, options: ExportOptions) -> bytes:
    """A CSV (comma-separated, UTF-8 with a byte-order mark so spreadsheets read the letters) of segments or of
    the raw timed words; times in seconds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if options.csv == "segments":
        writer.writerow(SEGMENT_COLUMNS)
        writer.writerows((s.id, s.start, s.end, s.speaker or "", int(s.reviewed), int(s.edited),
                          " ".join(s.text.split())) for s in spoken(transcript))
    else:
        writer.writerow(WORD_COLUMNS)
        writer.writerows((s.id, w.start, w.end, w.speaker or s.speaker or "", w.confidence, int(w.aligned), w.word)
                         for s in transcript.segments for w in s.words)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
