"""Who spoke when: speaker turns from voice embeddings of short overlapping windows, clustered offline.

Speech regions (in the pipeline the recognised words' own times; Silero VAD for audio nobody recognised) are cut
into WINDOW-long windows every HOP; Resemblyzer's voice encoder (its 17 MB weights ship inside its wheel) gives
each a 256-d embedding. Spectral clustering of their cosine affinities finds the speakers: the neighbourhood kept
per window and the number of speakers are chosen together by the normalised maximum eigengap (NME-SC, Park et
al. 2019), or the number is given. Every moment of a region belongs to the window whose centre is nearest, so a
speaker change falls halfway between two windows of different speakers (HOP / 2 resolution). How it was chosen
and what it measured: docs/speakers.md.

Speakers are numbered 0, 1, ... in order of first appearance; `speaker_name` gives the stored label "Govorec 1",
"Govorec 2", ... (the UI may show "Speaker 1" for an English reader; a reviewer's rename replaces the label).
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice

import numpy as np

from asr.audio import SAMPLE_RATE
from asr.options import MAX_SPEAKERS
from asr.types import Segment, Token, Word

WINDOW = 1.5  # seconds of speech per embedding
HOP = 0.75  # seconds between window starts
MIN_WINDOW = 0.3  # seconds; a shorter stretch of speech is not embedded (it takes its neighbour's speaker)
MEL_HOP = 0.01  # seconds per mel frame of the voice encoder
TARGET_DBFS = -30.0  # the voice encoder was trained on speech this loud (quieter speech is raised)
BATCH = 256  # windows per forward pass
EMBEDDING = 256  # dimensions of a voice embedding
ENCODER_THREADS = 1  # torch threads for the voice encoder: 2 were 5x slower in CPU time on a busy 2-core machine
MAX_POINTS = 2000  # windows clustered at most (more are sampled evenly, then all assigned to the nearest speaker)
PRUNE_STEPS = 10  # neighbourhood sizes NME-SC tries
MIN_PRUNE = 0.05  # the smallest neighbourhood tried, as a fraction of the windows
MIN_NEIGHBOURS = 6  # and at least this many windows (smaller ones broke 1-minute files into spurious speakers)
MAX_PRUNE = 0.25  # the largest neighbourhood tried, as a fraction of the windows
SEED = 0
EIGEN_TOLERANCE = 1e-3  # per neighbour kept; smaller eigenvalue gaps are no structure (many tiny components)
REGION_GAP = 0.3  # seconds; shorter pauses stay inside one speech region
SPEAKER_PREFIX = "Govorec"


@dataclass(frozen=True)
class Turn:
    """One speaker talking from `start` to `end` (seconds of the whole recording)."""

    speaker: int  # 0, 1, ... in order of first appearance
    start: float
    end: float


def speaker_name(index: int) -> str:
    """The label of the `index`-th speaker (0-based) before a reviewer renames it: "Govorec 1", ..."""
    return f"{SPEAKER_PREFIX} {index + 1}"


def default_number(name: str) -> int | None:
    """N of a default label "Govorec N" (for a UI that names it in another language); None for a reviewer's name."""
    prefix, _, number = name.partition(" ")
    return int(number) if prefix == SPEAKER_PREFIX and number.isdigit() else None


# ----------------------------------------------------------------------------------------------------- regions
def join_spans(spans: Sequence[tuple[float, float]], gap: float) -> list[tuple[float, float]]:
    """Spans (in order of start) joined where the pause between them is shorter than `gap` seconds."""
    regions: list[list[float]] = []
    for start, end in spans:
        if regions and start - regions[-1][1] < gap:
            regions[-1][1] = max(regions[-1][1], end)
        else:
            regions.append([start, end])
    return [(round(s, 3), round(e, 3)) for s, e in regions]


def word_regions(words: Sequence[Word]) -> list[tuple[float, float]]:
    """Stretches of speech from the recognised words' own times; pauses shorter than REGION_GAP bridged."""
    return join_spans(sorted((w.start, w.end) for w in words), REGION_GAP)


def vad_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """Stretches of speech found by Silero VAD (asr.segmenter); pauses shorter than REGION_GAP bridged."""
    from asr.segmenter import SPEECH_THRESHOLD, VAD_WINDOW, speech_probabilities

    step = VAD_WINDOW / SAMPLE_RATE
    probs = np.concatenate([np.zeros(0), *speech_probabilities(samples)])
    return join_spans([(i * step, (i + 1) * step) for i in np.flatnonzero(probs >= SPEECH_THRESHOLD)], REGION_GAP)


# ----------------------------------------------------------------------------------------------------- encoder
_encoder_lock = threading.Lock()


def _resemblyzer():
    """The resemblyzer package (its import of scipy.ndimage.morphology warns of SciPy 2.0; scipy is pinned)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*scipy.ndimage.morphology", category=DeprecationWarning)
            import resemblyzer
    except ImportError as e:  # an installation problem, not the person's
        raise RuntimeError("Speaker diarization needs resemblyzer==0.1.4 (see scripts/setup).") from e
    return resemblyzer


@functools.lru_cache(maxsize=2)
def _encoder(device: str):
    """Resemblyzer's voice encoder on `device`, loaded once per process."""
    return _resemblyzer().VoiceEncoder(device, verbose=False).eval()


def _mel(samples: np.ndarray) -> np.ndarray:
    """The voice encoder's input: a 40-band mel power spectrogram, one row per MEL_HOP, at TARGET_DBFS or louder."""
    audio = _resemblyzer().audio
    return audio.wav_to_mel_spectrogram(audio.normalize_volume(samples, TARGET_DBFS, increase_only=True))


@dataclass(frozen=True)
class Window:
    start: float  # seconds
    end: float

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


def _windows(start: float, end: float) -> list[tuple[float, float]]:
    """WINDOW-long windows every HOP over [start, end) (relative times); the last one ends at `end`."""
    length = end - start
    if length <= WINDOW:
        return [(0.0, length)]
    starts = np.arange(0.0, length - WINDOW, HOP).tolist() + [length - WINDOW]
    return [(s, s + WINDOW) for s in starts]


def _window_mels(samples: np.ndarray, regions: Sequence[tuple[float, float]]) -> Iterator[tuple[Window, np.ndarray]]:
    """Each window of the speech regions and its mel rows, region by region (one region's spectrogram at a time)."""
    for r_start, r_end in regions:
        if r_end - r_start < MIN_WINDOW:
            continue
        mel = _mel(samples[int(r_start * SAMPLE_RATE): int(r_end * SAMPLE_RATE)])
        for s, e in _windows(r_start, r_end):
            rows = mel[round(s / MEL_HOP): round(e / MEL_HOP)]
            if len(rows):
                yield Window(round(r_start + s, 3), round(r_start + e, 3)), rows


def embed(samples: np.ndarray, regions: Sequence[tuple[float, float]], device: str = "cpu"
          ) -> tuple[list[Window], np.ndarray]:
    """The windows of the speech regions (seconds) and their L2-normalised embeddings (n x EMBEDDING)."""
    windows, out = [], [np.zeros((0, EMBEDDING), np.float32)]
    pairs = _window_mels(samples, regions)
    while batch := list(islice(pairs, BATCH)):
        windows.extend(w for w, _ in batch)
        out.append(_encode([m for _, m in batch], device))
    return windows, np.concatenate(out)


def _encode(mels: list[np.ndarray], device: str) -> np.ndarray:
    """Embeddings of one batch of mel windows (of any lengths)."""
    import torch
    from torch.nn.utils.rnn import pack_sequence

    encoder = _encoder(device)
    with _encoder_lock, torch.inference_mode():
        threads = torch.get_num_threads()
        torch.set_num_threads(ENCODER_THREADS)  # a small LSTM: more threads wait on each other
        try:
            batch = pack_sequence([torch.from_numpy(m) for m in mels], enforce_sorted=False)
            _, (hidden, _) = encoder.lstm(batch.to(encoder.device))
            raw = encoder.relu(encoder.linear(hidden[-1]))
            return torch.nn.functional.normalize(raw, dim=1).cpu().numpy()
        finally:
            torch.set_num_threads(threads)


# -------------------------------------------------------------------------------------------------- clustering
def _eigen(affinity: np.ndarray, neighbours: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and eigenvectors of the Laplacian of the `neighbours`-nearest binarised graph."""
    keep = np.zeros_like(affinity)
    top = np.argpartition(-affinity, neighbours, axis=1)[:, :neighbours]
    np.put_along_axis(keep, top, 1.0, axis=1)
    graph = (keep + keep.T) / 2
    laplacian = np.diag(graph.sum(axis=1)) - graph
    from scipy.linalg import eigh

    return eigh(laplacian, subset_by_index=[0, min(MAX_SPEAKERS, len(graph) - 1)])


def _spectral(affinity: np.ndarray, count: int | None) -> np.ndarray:
    """Labels of the rows of a cosine affinity matrix: NME-SC chooses the neighbourhood (and the count)."""
    n = len(affinity)
    best = None
    low = max(MIN_NEIGHBOURS, int(MIN_PRUNE * n))
    for neighbours in np.unique(np.linspace(low, max(low, int(MAX_PRUNE * n)), PRUNE_STEPS).astype(int)):
        values, vectors = _eigen(affinity, min(int(neighbours), n - 1))
        gaps = np.diff(values)[: min(MAX_SPEAKERS, n - 1)]
        if gaps.max() <= EIGEN_TOLERANCE * neighbours:
            continue  # no structure at this neighbourhood (too few neighbours: many tiny components)
        ratio = neighbours / n / (gaps.max() / values[-1])
        if best is None or ratio < best[0]:
            best = (ratio, count or int(np.argmax(gaps)) + 1, vectors)
    if best is None:
        return np.zeros(n, int)
    _, k, vectors = best
    if k == 1:
        return np.zeros(n, int)
    from scipy.cluster.vq import kmeans2

    _, labels = kmeans2(vectors[:, :k], k, minit="++", seed=SEED)
    return labels


def cluster(embeddings: np.ndarray, count: int | None = None) -> np.ndarray:
    """A speaker index for each embedding, numbered in order of first appearance; `count` speakers if given."""
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, int)
    if n <= 2 or count == 1:
        return np.zeros(n, int)
    sample = np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int)
    points = embeddings[sample]
    labels = _spectral(points @ points.T, min(count, len(points)) if count else None)
    centroids = _centroids(points, labels)
    labels = np.argmax(embeddings @ centroids.T, axis=1)  # every window to its nearest speaker
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))  # relabel by first appearance
    return order[np.searchsorted(np.unique(labels), labels)]


def _centroids(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    means = np.stack([points[labels == k].mean(axis=0) for k in np.unique(labels)])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


# ------------------------------------------------------------------------------------------------------- turns
def diarize(samples: np.ndarray, regions: Sequence[tuple[float, float]], count: int | None = None,
            device: str = "cpu") -> list[Turn]:
    """The speaker turns of the speech regions (seconds, in order); `count` speakers if given, else found.

    No speech (no region long enough to embed) gives no turns.
    """
    windows, embeddings = embed(samples, regions, device)
    labels = cluster(embeddings, count)
    return turns_of(regions, windows, labels)


def turns_of(regions: Sequence[tuple[float, float]], windows: list[Window], labels: np.ndarray) -> list[Turn]:
    """The regions split where the speaker of the nearest window changes; neighbouring turns of one speaker joined."""
    if not windows:
        return []
    centres = np.array([w.centre for w in windows])
    turns: list[Turn] = []
    for r_start, r_end in regions:
        i, j = np.searchsorted(centres, [r_start, r_end])
        inside = list(range(i, j)) if j > i else [int(np.argmin(np.abs(centres - (r_start + r_end) / 2)))]
        cuts = [r_start] + [(centres[a] + centres[a + 1]) / 2 for a in inside[:-1]
                            if labels[a] != labels[a + 1]] + [r_end]
        speakers = [int(labels[inside[0]])] + [int(labels[a + 1]) for a in inside[:-1] if labels[a] != labels[a + 1]]
        for speaker, start, end in zip(speakers, cuts[:-1], cuts[1:], strict=True):
            _add(turns, Turn(speaker, round(start, 3), round(end, 3)))
    return turns


def _add(turns: list[Turn], turn: Turn) -> None:
    if turns and turns[-1].speaker == turn.speaker:
        turns[-1] = Turn(turn.speaker, turns[-1].start, turn.end)
    else:
        turns.append(turn)


# ------------------------------------------------------------------------------------------- words and segments
def _speaker_of(turns: Sequence[Turn], ends: np.ndarray, start: float, end: float) -> int:
    """The speaker of the turn that overlaps start-end most (the nearest turn when none overlaps)."""
    i = int(np.searchsorted(ends, start, side="right"))
    best, most = None, 0.0
    while i < len(turns) and turns[i].start < end:
        overlap = min(end, turns[i].end) - max(start, turns[i].start)
        if overlap > most:
            best, most = turns[i].speaker, overlap
        i += 1
    if best is not None:
        return best
    gaps = [max(t.start - end, start - t.end) for t in turns]
    return turns[int(np.argmin(gaps))].speaker


def label_segments(segments: Sequence[Segment], turns: Sequence[Turn]) -> list[Segment]:
    """Every word gets the speaker of its turn; segments are split where the speaker changes and renumbered.

    A segment the reviewer edited keeps its text whole: it takes the speaker of most of its words. Segments
    without words (and all of them when there are no turns) get no speaker.
    """
    if not turns:
        return [replace(s, id=i) for i, s in enumerate(segments)]
    ends = np.array([t.end for t in turns])
    out: list[Segment] = []
    for segment in segments:
        words = [replace(w, speaker=speaker_name(_speaker_of(turns, ends, w.start, w.end))) for w in segment.words]
        for piece in _split(replace(segment, words=words)):
            out.append(replace(piece, id=len(out)))
    return out


def _main_speaker(words: Sequence[Word]) -> str | None:
    talk: dict[str, float] = {}
    for w in words:
        talk[w.speaker] = talk.get(w.speaker, 0.0) + max(w.end - w.start, 1e-3)
    return max(talk, key=talk.__getitem__) if talk else None


def _split(segment: Segment) -> list[Segment]:
    """The segment cut between tokens (each spoken by the speaker of its first raw word) where the speaker changes.

    No cut falls between two words that overlap in time (segments never overlap): the later token stays with the
    earlier speaker. Every word of a piece takes the piece's speaker.
    """
    tokens = segment.tokens or [Token(w.word, i, i) for i, w in enumerate(segment.words)]
    who = [segment.words[t.first].speaker for t in tokens]
    for i in range(1, len(tokens)):
        if who[i] != who[i - 1] and segment.words[tokens[i].first].start < segment.words[tokens[i].first - 1].end:
            who[i] = who[i - 1]
    if segment.edited:
        return [replace(segment, speaker=_main_speaker(segment.words))]
    starts = [i for i in range(len(tokens)) if i == 0 or who[i] != who[i - 1]]
    pieces = []
    for a, b in zip(starts, [*starts[1:], len(tokens)], strict=True):
        first = 0 if a == 0 else tokens[a].first
        last = tokens[b].first if b < len(tokens) else len(segment.words)
        words = [replace(w, speaker=who[a]) for w in segment.words[first:last]]
        part = [Token(t.text, t.first - first, t.last - first) for t in tokens[a:b]]
        text = " ".join(t.text for t in part) if len(starts) > 1 else segment.text
        pieces.append(replace(segment, start=words[0].start, end=words[-1].end, text=text, words=words,
                              speaker=who[a], tokens=part if segment.tokens else []))
    return pieces
