"""One measurement in a fresh process (so peak RSS is its own); prints one JSON line.

    python -m bench.measure prepis|ceiling|seed AUDIO MODEL [--max-chunk S] [--batch-size N] [--precision P]

- ceiling: the model's forward pass alone over Prepis's chunks (decoding, VAD and chunk planning untimed);
- prepis: file -> decode -> VAD -> chunks -> model -> words -> merged transcript, the CLI/UI code path;
- seed: the original handler's way: NeMo's restore_from, then 5-minute pieces through model.transcribe(), one
  at a time, full attention; none of Prepis's tuning (SDPA attention, allocator) is applied in that process.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

SEED_PIECE = 300.0  # seconds per request in the original RunPod handler's client


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_prepis(audio: Path, engine, options) -> dict:
    from asr.backends import LocalBackend
    from asr.pipeline import transcribe_stream

    start = time.perf_counter()
    first = None
    for update in transcribe_stream(LocalBackend(engine), audio, options):
        if first is None and update.new:
            first = time.perf_counter() - start
    transcript = update.transcript
    return {"wall": time.perf_counter() - start, "first_segment": first, "words": len(transcript.words),
            "audio_seconds": transcript.info.audio.duration}


def measure_ceiling(audio: Path, engine, options) -> dict:
    from asr.audio import decode_audio
    from asr.backends import batched
    from asr.segmenter import plan_chunks

    samples = decode_audio(audio)
    chunks = plan_chunks(samples, options.max_chunk)
    batches = [[samples[c.start : c.end] for c in b] for b in batched(chunks, options.batch_size)]
    start = time.perf_counter()
    first = None
    for batch in batches:
        engine.log_probs(batch)
        first = first or time.perf_counter() - start
    return {"wall": time.perf_counter() - start, "first_segment": first, "audio_seconds": samples.size / 16000,
            "chunks": sum(len(b) for b in batches)}


def load_plain(path: Path):
    """The model as the original handler loads it: NeMo's restore_from, nothing of Prepis's tuning."""
    import torch
    from nemo.collections.asr.models import ASRModel

    device = "cuda" if torch.cuda.is_available() else "cpu"
    return ASRModel.restore_from(str(path), map_location=device).eval()


def measure_seed(audio: Path, model, options) -> dict:
    import soundfile as sf

    from asr.audio import SAMPLE_RATE, decode_audio

    start = time.perf_counter()
    samples = decode_audio(audio)
    piece = int(SEED_PIECE * SAMPLE_RATE)
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(0, samples.size, piece):
            path = f"{tmp}/piece.wav"
            sf.write(path, samples[i : i + piece], SAMPLE_RATE, subtype="PCM_16")
            model.transcribe([path], batch_size=1, verbose=False)
            first = first or time.perf_counter() - start
    return {"wall": time.perf_counter() - start, "first_segment": first, "audio_seconds": samples.size / SAMPLE_RATE}


MEASURES = {"prepis": measure_prepis, "ceiling": measure_ceiling, "seed": measure_seed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=sorted(MEASURES))
    parser.add_argument("audio", type=Path)
    parser.add_argument("model", type=Path)
    parser.add_argument("--max-chunk", type=float, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"])
    args = parser.parse_args()

    from asr.engine import Engine
    from asr.options import TranscribeOptions

    defaults = TranscribeOptions()
    options = TranscribeOptions(max_chunk=args.max_chunk or defaults.max_chunk,
                                batch_size=args.batch_size or defaults.batch_size)
    start = time.perf_counter()
    if args.kind == "seed":
        model = load_plain(args.model)
        device, precision = next(model.parameters()).device.type, "fp32"
    else:
        model = Engine(args.model, args.model.stem, "auto", args.precision)
        device, precision = model.device, model.precision
    load = time.perf_counter() - start
    result = MEASURES[args.kind](args.audio, model, options)
    result.update(kind=args.kind, load=load, rtfx=result["audio_seconds"] / result["wall"], peak_rss_mb=peak_rss_mb(),
                  max_chunk=options.max_chunk, batch_size=options.batch_size, device=device, precision=precision)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
