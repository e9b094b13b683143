"""Forced alignment of a reviewer's text, for the editor: the words of a saved segment are aligned to the kept
audio with the transcript's own model (asr.align), so their times stay true and corrected words lose their
uncertain marks. Only the segment's span of the recording is decoded (asr.align.span_around: its bounds, the slack
its words are looked for in and the model's context), so memory does not grow with the recording. No gradio here."""

from __future__ import annotations

from asr.align import realign, span_around
from asr.audio import decode_span
from asr.errors import RequestError
from asr.store import Store
from asr.types import Segment
from ui.service import ModelService


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
        start, end = span_around(transcript.segments[idx])
        samples = decode_span(path, start, end)
        model = self.service.aligner(transcript.info.model.name).engine
        return realign(model, samples, transcript, idx, text, offset=start)
