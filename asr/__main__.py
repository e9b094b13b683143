"""Command line: python -m asr transcribe FILE... | align AUDIO SCRIPT | export TRANSCRIPT.json | readable |
download MODEL."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from asr import models
from asr.config import DEVICES, PRECISIONS, load_settings
from asr.errors import PrepisError, RequestError, log_unexpected
from asr.exports import FORMATS, ExportOptions, export, extension, format_date
from asr.options import TEXT_MODES, TranscribeOptions
from asr.types import Transcript

log = logging.getLogger("prepis")


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(FORMATS)} (comma-separated)")
    return chosen


def _export_options(value: str) -> dict:
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise argparse.ArgumentTypeError('give a JSON object, e.g. \'{"subtitles": "broadcast", "lang": "en"}\'')
    return data


def _add_output(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("-f", "--format", type=_formats, action="extend", default=None,
                   help=f"output format(s): {', '.join(FORMATS)}; repeat or comma-separate ({default})")
    p.add_argument("-o", "--output", type=Path, help="output file (with several formats or files: its folder and stem)")
    p.add_argument("--export-options", type=_export_options, default={}, metavar="JSON",
                   help="export options as JSON, e.g. '{\"subtitles\": \"broadcast\", \"lang\": \"en\", "
                        "\"txt\": \"timed\"}' (docs/exports.md lists them; the DOCX date is today's unless given)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m asr", description="Prepis: Slovenian speech to timed text.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("transcribe", help="transcribe audio or video files")
    t.add_argument("files", nargs="+", type=Path)
    _add_output(t, "default: txt to stdout")
    _model_arguments(t)
    t.add_argument("--max-chunk", type=float, default=TranscribeOptions.max_chunk, help="seconds per model call")
    t.add_argument("--batch-size", type=int, default=TranscribeOptions.batch_size)
    t.add_argument("--speakers", default=TranscribeOptions.speakers, metavar="auto|off|N",
                   help="who spoke when: auto finds how many speakers there are, N says so (1-8), off skips it")
    t.add_argument("--text", choices=TEXT_MODES, default=TranscribeOptions.text,
                   help="readable: sentences, punctuation, capitals, numbers as digits; raw: the words as recognised "
                        "(JSON keeps the raw words either way; default: readable)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    e = sub.add_parser("export", help="write a transcript JSON (as /transcribe returns it, reviewed or not) "
                                      "in other formats")
    e.add_argument("transcripts", nargs="+", type=Path)
    _add_output(e, "required")
    e.add_argument("--audio", type=Path, help="the recording (needed for the training manifest; one transcript)")
    a = sub.add_parser("align", help="give a known script (UTF-8 text; blank lines part paragraphs) the times it is "
                                     "said in a recording")
    a.add_argument("audio", type=Path)
    a.add_argument("script", type=Path)
    _add_output(a, "default: json to stdout")
    _model_arguments(a)
    a.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_parser("readable", help="raw lowercase passages on stdin (one a line) -> readable text on stdout")
    d = sub.add_parser("download", help="download a model from CLARIN.SI into the models folder")
    d.add_argument("model", choices=sorted(models.CATALOGUE))
    d.add_argument("--url", help="download from this address instead of CLARIN.SI")
    return parser


def _model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="rsdo-2.0, protoverb-1.0 or a path to a .nemo file (default: ASR_MODEL or "
                                        "rsdo-2.0)")
    parser.add_argument("--device", choices=DEVICES, help="default: ASR_DEVICE or auto")
    parser.add_argument("--precision", choices=PRECISIONS,
                        help="default: ASR_PRECISION or auto (bf16 on a CUDA GPU, fp32 on the CPU)")


def _settings(args):
    settings = load_settings()
    return replace(settings, model=args.model or settings.model, device=args.device or settings.device,
                   precision=args.precision or settings.precision)


def _output_paths(files: list[Path], formats: list[str], output: Path | None) -> dict[tuple[Path, str], Path]:
    if output is not None and len(files) == 1 and len(formats) == 1:
        return {(files[0], formats[0]): output}
    folder, stem = (output.parent, output.stem) if output is not None else (Path.cwd(), None)
    name = (lambda f: stem) if stem and len(files) == 1 else (lambda f: f.stem)
    return {(f, fmt): folder / f"{name(f)}.{extension(fmt)}" for f in files for fmt in formats}


def _options(args) -> ExportOptions:
    data = dict(args.export_options)
    data.setdefault("date", format_date(date.today(), data.get("lang", ExportOptions.lang)))
    return ExportOptions.from_dict(data)


def _write(transcript: Transcript, formats: list[str], paths, source: Path, options: ExportOptions,
           samples=None) -> None:
    for fmt in formats:
        paths[(source, fmt)].parent.mkdir(parents=True, exist_ok=True)
        paths[(source, fmt)].write_bytes(export(transcript, fmt, options, samples))
        print(f"wrote {paths[(source, fmt)]}", file=sys.stderr)


def _bar(quiet: bool, unit: str = "%"):
    from tqdm import tqdm

    return tqdm(total=100, unit=unit, disable=quiet, file=sys.stderr, bar_format="{l_bar}{bar}| {postfix}")


def cmd_transcribe(args) -> int:
    from asr import pipeline
    from asr.backends import get_backend

    settings = _settings(args)
    options = TranscribeOptions(max_chunk=args.max_chunk, batch_size=args.batch_size, speakers=args.speakers,
                                text=args.text)
    export_options = _options(args)
    backend = get_backend(settings, _download_progress(args.quiet))
    paths = _output_paths(args.files, args.format or [], args.output)
    failed = 0
    for f in args.files:
        with _bar(args.quiet) as bar:
            try:
                audio = pipeline.load_audio(f, options.limits)
                transcript = pipeline.transcribe(backend, audio, options, _bar_progress(bar, f.name))
                if not args.format:
                    sys.stdout.write(export(transcript, "txt").decode("utf-8"))
                _write(transcript, args.format or [], paths, f, export_options, audio.samples)
            except PrepisError as e:  # this file cannot be done (bad audio, a RunPod part that failed): the next
                print(f"error: {e}", file=sys.stderr)
                failed += 1
    return 1 if failed else 0


def cmd_export(args) -> int:
    from asr.pipeline import load_audio

    if not args.format:
        raise RequestError("Say which format(s) to write with --format.")
    if args.audio and len(args.transcripts) > 1:
        raise RequestError("--audio belongs to one transcript; export the others separately.")
    options = _options(args)
    samples = load_audio(args.audio).samples if args.audio else None
    paths = _output_paths(args.transcripts, args.format, args.output)
    for f in args.transcripts:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise RequestError(f"{f} cannot be read as a transcript JSON ({type(e).__name__}).") from e
        _write(Transcript.from_dict(data), args.format, paths, f, options, samples)
def cmd_align(args) -> int:
    from asr.backends import get_backend
    from asr.exports.common import format_timestamp
    from asr.script import align_recording, speech_not_in_script

    try:
        script = args.script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RequestError(f"The script {args.script.name} could not be read as UTF-8 text ({e}).") from e
    backend = get_backend(replace(_settings(args), provider="local"), _download_progress(args.quiet))
    with _bar(args.quiet) as bar:
        transcript = align_recording(backend, args.audio, script, progress=_bar_progress(bar, args.audio.name))
    if not args.format:
        sys.stdout.write(export(transcript, "json").decode("utf-8"))
    paths = _output_paths([args.audio], args.format or [], args.output)
    _write(transcript, args.format or [], paths, args.audio, _options(args))
    for start, end in speech_not_in_script(transcript):  # where the reviewer should listen
        print(f"speech not in the script at {format_timestamp(start, always_hours=False)}–"
              f"{format_timestamp(end, always_hours=False)}", file=sys.stderr)
    return 0


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
        commands = {"transcribe": cmd_transcribe, "align": cmd_align, "export": cmd_export, "readable": cmd_readable,
                    "download": cmd_download}
        return commands[args.command](args)
    except PrepisError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # a defect: one line here, the traceback in the log
        reference = log_unexpected(log, e)
        print(f"error: Prepis failed unexpectedly (reference {reference}, details above).", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
