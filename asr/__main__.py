"""Command line: python -m asr transcribe FILE... | readable | download MODEL."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path

from asr import models
from asr.config import DEVICES, PRECISIONS, load_settings
from asr.errors import PrepisError, log_unexpected
from asr.exports import FORMATS, export
from asr.options import TEXT_MODES, TranscribeOptions

log = logging.getLogger("prepis")


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(FORMATS)} (comma-separated)")
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m asr", description="Prepis: Slovenian speech to timed text.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("transcribe", help="transcribe audio or video files")
    t.add_argument("files", nargs="+", type=Path)
    t.add_argument("-f", "--format", type=_formats, action="extend", default=None,
                   help=f"output format(s): {', '.join(FORMATS)}; repeat or comma-separate (default: txt to stdout)")
    t.add_argument("-o", "--output", type=Path, help="output file (with several formats or files: its folder and stem)")
    t.add_argument("--model", help="rsdo-2.0, protoverb-1.0 or a path to a .nemo file (default: ASR_MODEL or rsdo-2.0)")
    t.add_argument("--device", choices=DEVICES, help="default: ASR_DEVICE or auto")
    t.add_argument("--precision", choices=PRECISIONS,
                   help="default: ASR_PRECISION or auto (bf16 on a CUDA GPU, fp32 on the CPU)")
    t.add_argument("--max-chunk", type=float, default=TranscribeOptions.max_chunk, help="seconds per model call")
    t.add_argument("--cut-context", type=float, default=TranscribeOptions.cut_context,
                   help="seconds of audio the model also hears on each side of a chunk")
    t.add_argument("--batch-size", type=int, default=TranscribeOptions.batch_size)
    t.add_argument("--text", choices=TEXT_MODES, default=TranscribeOptions.text,
                   help="readable: sentences, punctuation, capitals, numbers as digits; raw: the words as recognised "
                        "(JSON keeps the raw words either way; default: readable)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("readable", help="raw lowercase passages on stdin (one a line) -> readable text on stdout")
    d = sub.add_parser("download", help="download a model from CLARIN.SI into the models folder")
    d.add_argument("model", choices=sorted(models.CATALOGUE))
    d.add_argument("--url", help="download from this address instead of CLARIN.SI")
    return parser


def _output_paths(files: list[Path], formats: list[str], output: Path | None) -> dict[tuple[Path, str], Path]:
    if output is not None and len(files) == 1 and len(formats) == 1:
        return {(files[0], formats[0]): output}
    folder, stem = (output.parent, output.stem) if output is not None else (Path.cwd(), None)
    name = (lambda f: stem) if stem and len(files) == 1 else (lambda f: f.stem)
    return {(f, fmt): folder / f"{name(f)}.{fmt}" for f in files for fmt in formats}


def _bar(quiet: bool, unit: str = "%"):
    from tqdm import tqdm

    return tqdm(total=100, unit=unit, disable=quiet, file=sys.stderr, bar_format="{l_bar}{bar}| {postfix}")


def cmd_transcribe(args) -> int:
    from asr import pipeline
    from asr.backends import get_backend

    settings = load_settings()
    settings = replace(settings, model=args.model or settings.model, device=args.device or settings.device,
                       precision=args.precision or settings.precision)
    options = TranscribeOptions(max_chunk=args.max_chunk, cut_context=args.cut_context, batch_size=args.batch_size,
                                text=args.text)
    backend = get_backend(settings, _download_progress(args.quiet))
    paths = _output_paths(args.files, args.format or [], args.output)
    failed = 0
    for f in args.files:
        with _bar(args.quiet) as bar:
            try:
                transcript = pipeline.transcribe(backend, f, options, _bar_progress(bar, f.name))
            except PrepisError as e:  # this file cannot be done (bad audio, a RunPod part that failed): the next
                print(f"error: {e}", file=sys.stderr)
                failed += 1
                continue
        if not args.format:
            sys.stdout.write(export(transcript, "txt").decode("utf-8"))
        for fmt in args.format or []:
            paths[(f, fmt)].write_bytes(export(transcript, fmt))
            print(f"wrote {paths[(f, fmt)]}", file=sys.stderr)
    return 1 if failed else 0


def _bar_progress(bar, name: str):
    def progress(fraction: float, message: str) -> None:
        bar.n = round(100 * fraction)
        bar.set_postfix_str(f"{name}: {message}")

    return progress


def _download_progress(quiet: bool):
    """A byte progress callback that shows a bar only once a download really starts."""
    from tqdm import tqdm

    bars = []

    def progress(done: int, total: int | None) -> None:
        if not bars:
            bars.append(tqdm(unit="B", unit_scale=True, disable=quiet, file=sys.stderr, desc="model download"))
        bars[0].total = total
        bars[0].update(done - bars[0].n)

    return progress


def cmd_readable(args) -> int:
    from asr.text import readable

    for line in sys.stdin:
        print(readable(line))
    return 0


def cmd_download(args) -> int:
    settings = load_settings()
    path = models.download(args.model, settings.models_dir, url=args.url, progress=_download_progress(False))
    print(f"{args.model} is ready: {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("nv_one_logger").setLevel(logging.ERROR)  # NeMo's telemetry warns on every import
    args = build_parser().parse_args(argv)
    try:
        return {"transcribe": cmd_transcribe, "readable": cmd_readable, "download": cmd_download}[args.command](args)
    except PrepisError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # a defect: one line here, the traceback in the log
        reference = log_unexpected(log, e)
        print(f"error: Prepis failed unexpectedly (reference {reference}, details above).", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
