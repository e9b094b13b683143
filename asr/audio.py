"""One entry point for audio: any file, bytes or array in, 16 kHz mono float32 out.

Decoding uses PyAV, whose wheels bundle FFmpeg, so no system ffmpeg is needed. Every decoder
failure and every limit becomes an `AudioError` whose message a reviewer can act on.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from asr.errors import AudioError, RequestError

SAMPLE_RATE = 16000  # Hz, what the model expects
MIN_DURATION = 0.1  # seconds; shorter input carries no word
PREALLOCATE_UNKNOWN = 60.0  # seconds the first buffer holds when the header gives no duration
MIN_INPUT_RATE = 4000  # Hz; a lower rate carries no speech (and a header claiming 1 Hz would inflate 16000-fold)
DEFAULT_MAX_DURATION = 4 * 3600.0  # seconds
DEFAULT_MAX_BYTES = 2 * 1024**3  # bytes of the encoded input
FLAC_SCALE = 32768  # float sample -> int16
SEEK_PREROLL = 1.0  # seconds decoded before a span's start and dropped (the decoder settles, a seek lands early)

AudioSource = str | os.PathLike | bytes


@dataclass(frozen=True)
class AudioLimits:
    max_duration: float = DEFAULT_MAX_DURATION  # seconds
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self):
        if self.max_duration <= 0 or self.max_bytes <= 0:
            raise RequestError("max_duration and max_bytes must be positive")


def too_big(name: str, max_bytes: int) -> str:
    """The one sentence for input over the size limit (no rounded size that could read as equal to the limit)."""
    limit = f"{max_bytes / 1024**2:g} MB ({max_bytes} bytes)" if max_bytes >= 1024**2 else f"{max_bytes} bytes"
    return f"{name} is bigger than the limit of {limit}. Split the recording or compress it (e.g. MP3 or FLAC)."


def _open_input(source: AudioSource, limits: AudioLimits) -> tuple[object, str]:
    """Return what av.open takes and a display name, after the size check."""
    if isinstance(source, (bytes, bytearray)):
        size, name, handle = len(source), "the uploaded audio", io.BytesIO(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise AudioError(f"File not found: {path}")
        size, name, handle = path.stat().st_size, path.name, str(path)
    if size == 0:
        raise AudioError(f"{name} is empty (0 bytes). Choose a recording that contains sound.")
    if size > limits.max_bytes:
        raise AudioError(too_big(name, limits.max_bytes))
    return handle, name


def decode_audio(source: AudioSource, limits: AudioLimits = AudioLimits()) -> np.ndarray:
    """Decode a file path or encoded bytes (any format FFmpeg reads, video too) to 16 kHz mono float32.

    Raises AudioError for unreadable, corrupt, empty, too short, too long or too big input.
    """
    handle, name = _open_input(source, limits)
    try:
        with av.open(handle, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{name} has no audio track.")
            samples = _decode_stream(container, name, limits)
    except av.error.FFmpegError as e:
        raise AudioError(f"{name} is not an audio or video file that can be read ({e.strerror or e}).") from e
    return check_duration(samples, name, limits)


def _decode_stream(container, name: str, limits: AudioLimits) -> np.ndarray:
    """Decode into one buffer sized from the container's duration (grown if that was short): the decoded
    audio is held once, not once in pieces and again when joined."""
    stream = container.streams.audio[0]
    if (stream.rate or 0) < MIN_INPUT_RATE:
        raise AudioError(f"{name} has a sample rate of {stream.rate or 0} Hz; at least {MIN_INPUT_RATE} Hz is "
                         "needed for speech. The file's header may be damaged.")
    claimed = container.duration / av.time_base if container.duration else None  # seconds, from the header
    max_samples = int(limits.max_duration * SAMPLE_RATE)
    # the header's duration only sizes the first buffer (never beyond the limit); the decoded data decides
    expected = min(claimed or PREALLOCATE_UNKNOWN, limits.max_duration)
    buffer = np.empty(int((expected + 1.0) * SAMPLE_RATE), np.float32)
    n = 0
    for _, mono in _mono_pieces(container, stream):
        if n + mono.size > max_samples:
            raise AudioError(_too_long(name, limits))
        if n + mono.size > buffer.size:
            buffer = np.resize(buffer, max(n + mono.size, int(buffer.size * 1.5)))
        buffer[n : n + mono.size] = mono
        n += mono.size
    return buffer[:n]


def _mono_pieces(container, stream):
    """The stream decoded from where the container stands: (seconds of the stream at the piece, 16 kHz mono
    float32 piece); the time is None when the stream carries none."""
    # keep the channels and average them: FFmpeg's surround-to-mono matrix adds them up and clips
    resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
    frames = (out for frame in container.decode(stream) for out in resampler.resample(frame))
    for out in itertools.chain(frames, resampler.resample(None)):
        yield out.time, out.to_ndarray().mean(axis=0)


def decode_span(path: str | os.PathLike, start: float, end: float) -> np.ndarray:
    """``decode_audio(path)[start:end]`` (seconds, cut at the recording's end) decoding about that span only: the
    file is sought to SEEK_PREROLL before ``start``, so memory is the span's, not the recording's. The samples are
    the whole decode's (lossy codecs: up to a millisecond apart where the container counts time in milliseconds,
    as WebM does); AudioError as decode_audio's."""
    first, last = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
    if not 0 <= first < last:
        raise RequestError(f"A span of audio must start at 0 s or later and before it ends; got {start} to {end} s.")
    span = _decoded_span(path, first, last, seek=True)
    return span if span is not None else _decoded_span(path, first, last, seek=False)


def _decoded_span(path: str | os.PathLike, first: int, last: int, seek: bool) -> np.ndarray | None:
    """Samples [first, last) of the whole decode; None when the seek landed after ``first`` or the stream has no
    times (the caller decodes from the start instead, still keeping only the span)."""
    handle, name = _open_input(path, AudioLimits())
    buffer, n = np.zeros(last - first, np.float32), 0
    try:
        with av.open(handle, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{name} has no audio track.")
            stream = container.streams.audio[0]
            at = 0  # index in the whole decode of the next sample
            if seek:  # the whole decode's sample 0 is the first piece's time (a codec may skip its priming)
                origin = next(_mono_pieces(container, stream), (None, None))[0]
                if origin is None:
                    return None
                target = max(0.0, first / SAMPLE_RATE - SEEK_PREROLL) + origin
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            for i, (time, mono) in enumerate(_mono_pieces(container, stream)):
                if seek and i == 0:
                    if time is None or round((time - origin) * SAMPLE_RATE) > first:
                        return None
                    at = round((time - origin) * SAMPLE_RATE)
                lo, hi = max(at, first), min(at + mono.size, last)
                if hi > lo:
                    buffer[lo - first : hi - first] = mono[lo - at : hi - at]
                    n = hi - first
                at += mono.size
                if at >= last:
                    break
    except av.error.FFmpegError as e:
        raise AudioError(f"{name} is not an audio or video file that can be read ({e.strerror or e}).") from e
    return buffer[:n]


def describe_duration(seconds: float) -> str:
    """4 h, 90 min, 2.5 s: a limit as a reviewer would say it."""
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _too_long(name: str, limits: AudioLimits) -> str:
    return f"{name} is longer than the limit of {describe_duration(limits.max_duration)}. Split it into shorter parts."


def check_duration(samples: np.ndarray, name: str, limits: AudioLimits) -> np.ndarray:
    duration = samples.size / SAMPLE_RATE
    if duration < MIN_DURATION:
        raise AudioError(
            f"{name} holds {duration:.2f} s of audio; at least {MIN_DURATION} s is needed. "
            "The file may be empty or cut off."
        )
    if duration > limits.max_duration:
        raise AudioError(_too_long(name, limits))
    if not np.isfinite(samples).all():
        raise AudioError(f"{name} contains invalid samples (NaN or infinity); the file is damaged.")
    return samples


def sha256_of(source: AudioSource) -> str:
    """SHA-256 of a file (read in blocks) or of bytes: the one hasher of audio and model files."""
    digest = hashlib.sha256()
    if isinstance(source, (bytes, bytearray)):
        digest.update(source)
    else:
        with open(source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def encode_flac(samples: np.ndarray) -> bytes:
    """16 kHz mono float32 -> 16-bit FLAC bytes: the compact form audio is kept in and travels to RunPod in.

    int16 = round(x * 32768), clipped: exact for audio decoded from 16-bit sources, so decoding the FLAC
    gives back the same samples.
    """
    import soundfile as sf

    pcm = np.clip(np.round(samples * FLAC_SCALE), -32768, 32767).astype(np.int16)
    buf = io.BytesIO()
    sf.write(buf, pcm, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    return buf.getvalue()
