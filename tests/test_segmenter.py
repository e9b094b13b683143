"""asr.segmenter: speech found across the VAD's block boundary, chunks that tile the recording, the frame grid."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import AUDIO

from asr.audio import SAMPLE_RATE, decode_audio
from asr.segmenter import FRAME_GRID, VAD_ROW, VAD_ROWS, plan_chunks, speech_regions

BLOCK = VAD_ROW * VAD_ROWS  # samples the VAD scores in one call (16 min)


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    return decode_audio(AUDIO / "wav16k_mono.wav")


def placed(clip: np.ndarray, at: int, total: int) -> np.ndarray:
    audio = np.zeros(total, np.float32)
    audio[at : at + clip.size] = clip
    return audio


def test_speech_across_the_vad_block_boundary_is_one_region(clip):
    """A clip laid across the 16-minute boundary gives the regions it gives anywhere else, shifted."""
    alone_at = 30 * SAMPLE_RATE
    reference = [(s - alone_at, e - alone_at) for s, e in speech_regions(placed(clip, alone_at, 90 * SAMPLE_RATE))]
    at = BLOCK - clip.size // 2  # half the clip in each block
    across = [(s - at, e - at) for s, e in speech_regions(placed(clip, at, BLOCK + 60 * SAMPLE_RATE))]
    assert len(across) == len(reference) >= 1
    window = 512  # samples of one VAD score: the only difference allowed is where a block starts a new stream
    for (s1, e1), (s2, e2) in zip(across, reference, strict=True):
        assert abs(s1 - s2) <= FRAME_GRID + window and abs(e1 - e2) <= window


def test_chunks_are_in_order_within_the_limit_and_start_on_the_frame_grid(clip):
    audio = np.concatenate([placed(clip, SAMPLE_RATE, clip.size + 3 * SAMPLE_RATE)] * 8)
    chunks = list(plan_chunks(audio, 10.0))
    assert len(chunks) >= 8
    assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:], strict=False)), "chunks overlap"
    assert all(c.start % FRAME_GRID == 0 and c.duration <= 10.0 for c in chunks)
    speech = np.flatnonzero(np.abs(audio) > 0.01)
    assert all(any(c.start <= i < c.end for c in chunks) for i in speech[:: SAMPLE_RATE // 10]), "speech left out"
