"""Accuracy around chunk cuts: the same speech transcribed as one long file and piece by piece.

    .venv/bin/python -m bench.cuts                          # the committed clips, 17 min, 20 s chunks
    .venv/bin/python -m bench.cuts --speech heldout --max-chunks 5 10 20

`--speech clips`: the committed test clips (tests/fixtures/audio) laid end to end (tests/helpers.py
build_long_audio); `--speech heldout`: held-out synthetic Slovenian (tools/evaluate_test_model.py's set (a):
training words in unheard voices, 3-12 words an utterance), each utterance starting on the 40 ms frame grid.
Either way the recording is longer than one VAD block (16 min). It is transcribed by the fixture model through
the whole pipeline at each chunk length, and each piece alone. Reports the WER of each, and the error rate of the
true words within 2 s of a cut against the words elsewhere (a true word is wrong when it is not matched exactly).
Results go to bench/results/cuts-SPEECH-DATE.json.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import numpy as np

from asr.audio import SAMPLE_RATE, decode_audio
from asr.backends import LocalBackend
from asr.config import REPO_ROOT
from asr.engine import Engine
from asr.options import TranscribeOptions
from asr.pipeline import Audio, transcribe
from asr.segmenter import FRAME_GRID, plan_chunks
from asr.types import AudioInfo, Word
from bench import write_result

sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT / "tools"))
from helpers import build_long_audio, matched_words, speech_clips, wer  # noqa: E402

MODEL = REPO_ROOT / "tests" / "fixtures" / "tiny-sl.nemo"
GAPS = (0.05, 0.15, 0.4, 1.0, 2.5)  # seconds between utterances, some too short to cut at
NEAR_CUT = 2.0  # seconds


def utterances(n: int) -> list[tuple[np.ndarray, list[dict]]]:
    import evaluate_test_model as etm
    import make_test_model as mtm

    train_words, heldout_words = mtm.build_word_lists()
    return etm.eval_sets(train_words, heldout_words, n)["heldout_voices"]


def lay_out(utts, seed: int = 11) -> tuple[np.ndarray, list[Word], list[float]]:
    """One recording of all utterances with varied gaps; its true words and where each utterance starts.

    Every utterance starts on the model's 40 ms frame grid, as it does when transcribed alone: the fixture model's
    words change with the sub-frame phase of the audio (9.6-18.4 % WER for shifts of 0-70 ms, tests/fixtures/
    README.md), which would otherwise swamp what this measures.
    """
    rng = np.random.default_rng(seed)
    parts, words, offsets, t = [], [], [], 0
    for audio, truth in utts:
        offsets.append(t / SAMPLE_RATE)
        words += [Word(w["word"], w["start"] + t / SAMPLE_RATE, w["end"] + t / SAMPLE_RATE, 1.0) for w in truth]
        gap = np.zeros(_on_grid(audio.size + int(float(rng.choice(GAPS)) * SAMPLE_RATE)) - audio.size, np.float32)
        parts += [audio, gap]
        t += audio.size + gap.size
    return np.concatenate(parts), words, offsets


def _on_grid(samples: int) -> int:
    """The FRAME_GRID point at or after `samples`."""
    return -(-samples // FRAME_GRID) * FRAME_GRID


def near_cut_errors(truth: list[Word], hyp: list[Word], cuts: list[float]) -> dict:
    """Error rate of true words within NEAR_CUT s of a cut, and of the others."""
    found = {(t[0], t[1]) for t, _ in matched_words(truth, hyp)}
    cuts_arr = np.array(cuts) if cuts else np.array([np.inf])
    near = [bool(min(abs(cuts_arr - w.start).min(), abs(cuts_arr - w.end).min()) < NEAR_CUT) for w in truth]
    wrong = [(w.word, w.start) not in found for w in truth]
    n_near, pairs = sum(near), list(zip(wrong, near, strict=True))
    return {"near_cut_words": n_near, "near_cut_error": sum(w for w, n in pairs if n) / max(1, n_near),
            "elsewhere_words": len(truth) - n_near,
            "elsewhere_error": sum(w for w, n in pairs if not n) / max(1, len(truth) - n_near)}


def pieces(speech: str, minutes: float) -> tuple[np.ndarray, list[Word], list[np.ndarray]]:
    """The long recording, its true words, and the pieces it was laid out from (in order, repeats included)."""
    if speech == "clips":
        samples, truth, placements = build_long_audio(minutes * 60)
        clips = [decode_audio(c) for c in speech_clips()]
        return samples, truth, [clips[i] for i, _ in placements]
    utts = utterances(int(minutes * 60 / 9.5))  # about 9.5 s an utterance with its pause
    samples, truth, _ = lay_out(utts)
    return samples, truth, [a for a, _ in utts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speech", choices=["clips", "heldout"], default="clips")
    parser.add_argument("--minutes", type=float, default=17.0)
    parser.add_argument("--max-chunks", type=float, nargs="+", default=[TranscribeOptions.max_chunk])
    args = parser.parse_args()

    samples, truth, parts = pieces(args.speech, args.minutes)
    audio = Audio(samples, AudioInfo("long.wav", round(samples.size / SAMPLE_RATE, 3)))
    backend = LocalBackend(Engine(MODEL, "tiny-sl", "cpu"))
    truth_text = " ".join(w.word for w in truth)
    alone = [transcribe(backend, Audio(p, AudioInfo(duration=p.size / SAMPLE_RATE))).text for p in parts]
    result = {"date": date.today().isoformat(), "speech": args.speech, "audio_seconds": audio.info.duration,
              "words": len(truth), "one_by_one_wer": wer(truth_text, " ".join(alone)), "runs": []}
    print(f"{args.speech}: {audio.info.duration / 60:.1f} min, {len(truth)} words; one by one: "
          f"WER {result['one_by_one_wer']:.2%}")
    for max_chunk in args.max_chunks:
        options = TranscribeOptions(max_chunk=max_chunk)
        chunks = list(plan_chunks(samples, options.max_chunk))
        cuts = [c.end / SAMPLE_RATE for c in chunks[:-1]]
        transcript = transcribe(backend, audio, options)
        run = {"max_chunk": max_chunk, "chunks": len(chunks), "wer": wer(truth_text, transcript.text),
               "processing_time": transcript.processing_time, **near_cut_errors(truth, transcript.words, cuts)}
        result["runs"].append(run)
        print(f"{max_chunk:.0f} s chunks: {len(chunks)} chunks, WER {run['wer']:.2%}, near cuts "
              f"{run['near_cut_error']:.1%} of {run['near_cut_words']} words, elsewhere {run['elsewhere_error']:.1%}, "
              f"{run['processing_time']:.1f} s")
    write_result(f"cuts-{args.speech}-{result['date']}", result)


if __name__ == "__main__":
    main()
