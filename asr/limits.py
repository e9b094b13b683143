"""Checks of a transcript that arrives from outside (the app's /export API): its shape, its size, its times.

`transcript_from_request` is the one gate: it refuses what is too big before any work is done on it, and says
in a sentence an API user can act on what is wrong and where (`segments[3].end`), instead of a parser's text.
"""

from __future__ import annotations

import json
import math
from typing import Any

from asr.errors import RequestError
from asr.types import Transcript

MAX_EXPORT_BYTES = 8 * 1024**2  # bytes of transcript JSON (a 4 h recording with words is about 3 MB)
MAX_EXPORT_SEGMENTS = 20_000  # a 4 h recording has about 3 000
MAX_EXPORT_WORDS = 200_000  # a 4 h recording has about 45 000
MAX_TEXT = 10_000  # characters of one segment's text or one word
MAX_FILENAME = 255  # characters
FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"}  # control characters no export format can hold


def export_format(fmt: object, formats: tuple[str, ...]) -> str:
    """The format name in lower case ("DOCX" is docx), or RequestError naming the choices."""
    name = fmt.strip().lower() if isinstance(fmt, str) else None
    if name not in formats:
        raise RequestError(f"Unknown format {str(fmt)[:20]!r}; choose one of {', '.join(formats)}.")
    return name


def transcript_from_request(data: object) -> Transcript:
    """A Transcript from the JSON /transcribe returns (a dict, or its text), checked; RequestError if unusable."""
    if isinstance(data, (str, bytes)):
        if len(data) > MAX_EXPORT_BYTES:
            raise RequestError(f"The transcript is bigger than {MAX_EXPORT_BYTES // 1024**2} MB of JSON; "
                               "export a shorter part.")
        try:
            data = json.loads(data)
        except ValueError:
            raise RequestError("The transcript is not valid JSON; send the object /transcribe returns.") from None
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise RequestError("The transcript must be a JSON object with a list of segments, as /transcribe returns.")
    segments = data["segments"]
    if len(segments) > MAX_EXPORT_SEGMENTS:
        raise RequestError(f"The transcript has {len(segments)} segments; at most {MAX_EXPORT_SEGMENTS} can be "
                           "exported at once. Export it in parts.")
    words = 0
    for i, segment in enumerate(segments):
        words += _check_segment(segment, f"segments[{i}]")
        if words > MAX_EXPORT_WORDS:
            raise RequestError(f"The transcript has more than {MAX_EXPORT_WORDS} words; export it in parts.")
    _check_info(data)
    return Transcript.from_dict(data)


def _check_segment(segment: Any, where: str) -> int:
    """Check one segment; returns its number of words."""
    _require(isinstance(segment, dict), where, "must be an object with id, start, end and text")
    _require(isinstance(segment.get("id"), int) and not isinstance(segment["id"], bool), f"{where}.id",
             "must be a whole number")
    _check_span(segment, where)
    _check_text(segment.get("text"), f"{where}.text")
    words = segment.get("words", [])
    _require(isinstance(words, list), f"{where}.words", "must be a list")
    for j, word in enumerate(words):
        _require(isinstance(word, dict), f"{where}.words[{j}]", "must be an object with word, start and end")
        _check_span(word, f"{where}.words[{j}]")
        _check_text(word.get("word"), f"{where}.words[{j}].word")
        confidence = word.get("confidence", 1.0)
        _require(_is_number(confidence) and 0 <= confidence <= 1, f"{where}.words[{j}].confidence",
                 "must be a number from 0 to 1")
    tokens = segment.get("tokens", [])
    _require(isinstance(tokens, list), f"{where}.tokens", "must be a list")
    for j, token in enumerate(tokens):
        ok = (isinstance(token, dict) and all(isinstance(token.get(k), int) for k in ("first", "last"))
              and 0 <= token["first"] <= token["last"] < len(words))
        _require(ok, f"{where}.tokens[{j}]", "must be an object with text and first <= last indexes of its words")
        _check_text(token.get("text"), f"{where}.tokens[{j}].text")
    return len(words)


def _check_span(item: dict, where: str) -> None:
    start, end = item.get("start"), item.get("end")
    _require(_is_number(start) and start >= 0, f"{where}.start", "must be a number of seconds, 0 or more")
    _require(_is_number(end) and end >= start, f"{where}.end", f"must be a number of seconds, not before its start "
                                                              f"({start:g})")


def _check_text(text: Any, where: str) -> None:
    _require(isinstance(text, str), where, "must be a string")
    _require(len(text) <= MAX_TEXT, where, f"is longer than {MAX_TEXT} characters")
    _require(not FORBIDDEN.intersection(text), where, "contains control characters (such as a null byte)")


def _check_info(data: dict) -> None:
    for key in ("audio", "model", "options"):
        _require(isinstance(data.get(key) or {}, dict), key, "must be an object")
    filename = (data.get("audio") or {}).get("filename", "")
    _check_text(filename, "audio.filename")
    _require(len(filename) <= MAX_FILENAME, "audio.filename", f"is longer than {MAX_FILENAME} characters")
    duration = (data.get("audio") or {}).get("duration", 0.0)
    _require(_is_number(duration) and duration >= 0, "audio.duration", "must be a number of seconds, 0 or more")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _require(ok: bool, where: str, what: str) -> None:
    if not ok:
        raise RequestError(f"The transcript's {where} {what}.")
