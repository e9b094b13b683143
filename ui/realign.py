"""Forced alignment of a reviewer's text, for the editor: the words of a saved segment are aligned to the kept
audio with the transcript's own model (asr.align), so their times stay true and corrected words lose their
uncertain marks. No gradio here."""

from __future__ import annotations

import functools

import numpy as np

from asr.align import realign
from asr.errors import RequestError
from asr.pipeline import load_audio
from asr.store import Store
from asr.types import Segment
from ui.service import ModelService


@functools.lru_cache(maxsize=1)
def _samples(path: str) -> np.ndarray:
    """The decoded recording of the transcript being reviewed (kept while the reviewer works on it)."""
    return load_audio(path).samples


class Realigner:
    """The editor's `realign` seam: (owner, transcript id, segment, new text) -> the segment re-aligned."""

    def __init__(self, store: Store, service: ModelService):
        self.store, self.service = store, service

    def __call__(self, owner: str, tid: str, segment: Segment, text: str) -> Segment:
        path = self.store.info(owner, tid)["audio_path"]
        if not path:
            raise RequestError("The recording of this transcript was not kept.")
        transcript = self.store.load(owner, tid)
        idx = next(i for i, s in enumerate(transcript.segments) if s.id == segment.id)
        model = self.service.aligner(transcript.info.model.name).engine
        return realign(model, _samples(path), transcript, idx, text)
