"""One error root for everything Prepis tells a person: every message is written for whoever reads it.

`PrepisError` and its children carry a sentence a reviewer, an API user or an operator can act on. Every
entry point (web app, CLI, RunPod worker, API) catches `PrepisError` and shows its message; anything else
is a defect: it is logged with its traceback under a short reference (`log_unexpected`) and the person is
shown a generic sentence with that reference, never the exception's text.

`key` and `params` name the message so that a UI can say it in its own language; `str(error)` is the
English sentence.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any


class PrepisError(Exception):
    """Something a person can act on; `str(self)` is the sentence to show them."""

    def __init__(self, message: str, *, key: str | None = None, **params: Any):
        super().__init__(message)
        self.message = message
        self.key = key
        self.params = params


class AudioError(PrepisError):
    """The input cannot be used as audio (unreadable, empty, too long, too big, damaged)."""


class ModelError(PrepisError):
    """A model is missing, cannot be downloaded, or does not load."""


class RequestError(PrepisError):
    """A caller's request (options, an API or worker input, an exported transcript) cannot be used as sent."""


class ConfigError(PrepisError):
    """An operator's setting (environment variable, .env, command-line flag) cannot be used."""


class NotFound(PrepisError):
    """No transcript (or segment) with that id belongs to that owner."""


class StorageError(PrepisError):
    """The review database or its folder cannot be written or read."""


class RunPodError(PrepisError):
    """A part of the recording could not be transcribed on RunPod; the message names its time range and why."""

    def __init__(self, start: float, end: float, reason: str):
        self.start, self.end, self.reason = start, end, reason
        super().__init__(f"RunPod could not transcribe {format_range(start, end)}: {reason}", key="runpod",
                         range=format_range(start, end), reason=reason)


def format_time(seconds: float) -> str:
    """mm:ss, or h:mm:ss from an hour on: a time as a message names it."""
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def format_range(start: float, end: float) -> str:
    return f"{format_time(start)}\u2013{format_time(end + 0.999)}"  # the end rounded up, so the range covers it


def log_unexpected(log: logging.Logger, error: BaseException, context: str = "") -> str:
    """Log a defect with its traceback; returns the short reference to show the person, found again in the log."""
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error [ref %s]%s", reference, f" {context}" if context else "", exc_info=error)
    return reference
