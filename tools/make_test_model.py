#!/usr/bin/env python
"""Build the tiny Slovenian test model ``tests/fixtures/tiny-sl.nemo`` from synthetic espeak-ng speech.

The model is loaded and run exactly like the real RSDO-DS2-ASR-E2E 2.0 model (NeMo ``EncDecCTCModelBPE``,
Conformer encoder, 80 mel features, 4x subsampling = 40 ms per output frame, lowercase, 16 kHz mono), but is
small enough to commit and really recognises (synthetic) Slovenian speech.

Recipe (all seeds fixed):
  1. word list: ``wordfreq.top_n_list('sl', N_WORDS)`` filtered to the Slovenian alphabet; HELDOUT_FRACTION of
     the words never appear in training (written to tests/fixtures/heldout_words.json);
  2. every training word is synthesised in VARIANTS_PER_WORD of the TRAIN_VARIANTS espeak-ng voices at a random
     TRAIN_SPEED and pitch (cached in .cache/tinysl/), resampled to 16 kHz and trimmed, so its exact extent is known;
  3. utterances are composed on the fly word by word (varied gaps, long pauses, noise at varied SNR, some 20-40 s
     utterances with long noisy pauses), so every word's true start/end is exact;
  4. a SentencePiece BPE tokenizer and a small Conformer-CTC are trained with a plain PyTorch loop on CPU.

Usage:
  .venv/bin/python tools/make_test_model.py                      # synthesise, train, save, evaluate
  .venv/bin/python tools/make_test_model.py --synth-only         # only fill the synthesis cache
  .venv/bin/python tools/evaluate_test_model.py                   # re-measure tests/fixtures/tiny-sl.nemo
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # ~2x faster on a shared 2-core machine

import argparse
import hashlib
import json
import pickle
import random
import re
import subprocess
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / ".cache" / "tinysl"
FIXTURES = ROOT / "tests" / "fixtures"
DEFAULT_OUTPUT = FIXTURES / "tiny-sl.nemo"
HELDOUT_JSON = FIXTURES / "heldout_words.json"

SEED = 20261124
SAMPLE_RATE = 16000  # Hz
ESPEAK_RATE = 22050  # Hz, espeak-ng output
N_WORDS = 3000  # wordfreq top-N before filtering
HELDOUT_FRACTION = 0.09
ALPHABET_RE = re.compile(r"^[abcčdefghijklmnoprsštuvzž]+$")

TRAIN_VARIANTS = ("default", "m1", "m2", "m3", "m5", "m6", "f1", "f2", "f3", "f5", "klatt", "klatt3")
HELDOUT_VARIANTS = ("m4", "f4")  # never heard in training
TRAIN_SPEEDS = (125, 145, 165, 185)  # words per minute
HELDOUT_SPEEDS = (135, 175)  # never used in training
PITCH_RANGE = (30, 70)
VARIANTS_PER_WORD = 8
POOL_BATCHES = 4  # batches drawn together and sorted by length
CURRICULUM_MAX_WORDS = 3  # words per utterance early in training
TRIM_REL_THRESHOLD = 0.02  # fraction of the word's peak amplitude that marks its start/end


# ----------------------------------------------------------------------------------------------------------- words
def build_word_lists(n_words: int = N_WORDS) -> tuple[list[str], list[str]]:
    """Return (train_words, heldout_words): the filtered wordfreq list split with a fixed seed."""
    from wordfreq import top_n_list

    words = [w for w in top_n_list("sl", n_words) if ALPHABET_RE.match(w)]
    shuffled = list(words)
    random.Random(SEED).shuffle(shuffled)
    n_heldout = int(round(len(words) * HELDOUT_FRACTION))
    heldout = set(shuffled[:n_heldout])
    return [w for w in words if w not in heldout], [w for w in words if w in heldout]


# ------------------------------------------------------------------------------------------------------- synthesis
def synth_word(job: tuple[str, str, int, int]) -> np.ndarray:
    """Synthesise one word with espeak-ng; return int16 samples at 16 kHz trimmed to the word's exact extent."""
    word, variant, speed, pitch = job
    voice = "sl" if variant == "default" else f"sl+{variant}"
    cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word]
    wav = subprocess.run(cmd, capture_output=True, check=True).stdout
    data = wav[wav.find(b"data") + 8 :]  # streamed WAV: the data chunk size field is bogus, take the rest
    pcm = np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16).astype(np.float32) / 32768.0
    audio = resample_poly(pcm, 320, 441).astype(np.float32)  # 22050 Hz -> 16000 Hz
    envelope = np.abs(audio)
    above = np.flatnonzero(envelope > TRIM_REL_THRESHOLD * envelope.max())
    audio = audio[above[0] : above[-1] + 1] if len(above) else audio[:1600]
    return np.clip(audio * 32767.0, -32768, 32767).astype(np.int16)


def _synth_job(job):
    return job, synth_word(job)


def synthesise(jobs: list[tuple[str, str, int, int]], name: str, processes: int = 2) -> dict:
    """Synthesise all jobs (parallel), cached in CACHE_DIR keyed by the job list's hash."""
    key = hashlib.sha1(json.dumps(sorted(jobs)).encode()).hexdigest()[:12]
    path = CACHE_DIR / f"synth-{name}-{key}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return pickle.load(f)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    result = {}
    with Pool(processes) as pool:
        for i, (job, audio) in enumerate(pool.imap_unordered(_synth_job, jobs, chunksize=64)):
            result[job] = audio
            if i % 2000 == 0:
                print(f"  synth {name}: {i}/{len(jobs)} ({time.time() - t0:.0f} s)", flush=True)
    with open(path, "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"  synth {name}: {len(jobs)} words in {time.time() - t0:.0f} s", flush=True)
    return result


def training_jobs(train_words: list[str]) -> list[tuple[str, str, int, int]]:
    """Each training word in VARIANTS_PER_WORD random training voices, random training speed and pitch."""
    rng = random.Random(SEED + 1)
    jobs = []
    for word in train_words:
        for variant in rng.sample(TRAIN_VARIANTS, VARIANTS_PER_WORD):
            jobs.append((word, variant, rng.choice(TRAIN_SPEEDS), rng.randint(*PITCH_RANGE)))
    return jobs


# ----------------------------------------------------------------------------------------------------- composition
PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


def _gap(rng: np.random.Generator, long: bool) -> float:
    """Seconds of silence between two words: mostly short, sometimes long pauses (very long in long utterances)."""
    r = rng.random()
    if long and r < 0.25:
        return rng.uniform(2.0, 6.0)
    if r < 0.6:
        return rng.uniform(0.02, 0.2)
    if r < 0.9:
        return rng.uniform(0.2, 0.6)
    return rng.uniform(0.6, 2.0)


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-RMS white, pink or brown noise."""
    from scipy.signal import lfilter

    white = rng.standard_normal(n)
    kind = rng.integers(3)
    noise = white if kind == 0 else lfilter(PINK_B, PINK_A, white) if kind == 1 else np.cumsum(white)
    if kind == 2:
        noise = noise - lfilter([1.0], [1.0, -0.995], noise)  # brown, high-passed so it does not drift
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-9)


def compose(
    rng: np.random.Generator,
    clips: list[tuple[str, np.ndarray]],
    *,
    long: bool = False,
    snr_db: tuple[float, float] = (10.0, 40.0),
    p_clean: float = 0.15,
    p_filter: float = 0.25,
    p_phone: float = 0.0,
) -> tuple[np.ndarray, list[dict]]:
    """Lay the word clips out with random gaps and add noise; return (float32 audio, exact word truth)."""
    pos = int(rng.uniform(0.05, 3.0 if long else 0.8) * SAMPLE_RATE)
    placed, truth = [], []
    for i, (word, clip) in enumerate(clips):
        x = clip.astype(np.float32) / 32768.0 * rng.uniform(0.6, 1.4)
        placed.append((pos, x))
        start, end = pos / SAMPLE_RATE, (pos + len(x)) / SAMPLE_RATE
        truth.append({"word": word, "start": round(start, 4), "end": round(end, 4)})
        pos += len(x) + (int(_gap(rng, long) * SAMPLE_RATE) if i < len(clips) - 1 else 0)
    audio = np.zeros(pos + int(rng.uniform(0.1, 0.8) * SAMPLE_RATE), dtype=np.float64)
    for start, x in placed:
        audio[start : start + len(x)] += x
    speech_rms = np.sqrt(np.mean(np.concatenate([x for _, x in placed]) ** 2)) + 1e-9
    if rng.random() > p_clean:
        audio += _noise(rng, len(audio)) * speech_rms * 10 ** (-rng.uniform(*snr_db) / 20)
    else:
        audio += rng.standard_normal(len(audio)) * 1e-4
    channel = rng.random()
    if channel < p_phone:  # telephone band: through 8 kHz and back
        audio = resample_poly(resample_poly(audio, 1, 2), 2, 1)[: len(audio)]
    elif channel < p_phone + p_filter:  # dull channel
        from scipy.signal import butter, sosfilt

        audio = sosfilt(butter(4, rng.uniform(3000, 7000), "low", fs=SAMPLE_RATE, output="sos"), audio)
    audio *= rng.uniform(0.05, 0.95) / (np.abs(audio).max() + 1e-9)
    return audio.astype(np.float32), truth


class WordBank:
    """Synthesised clips indexed by word and voice variant."""

    def __init__(self, synth: dict):
        self.by_word: dict[str, dict[str, list[np.ndarray]]] = {}
        for (word, variant, _speed, _pitch), audio in synth.items():
            self.by_word.setdefault(word, {}).setdefault(variant, []).append(audio)
        self.words = sorted(self.by_word)

    def clips(self, rng: np.random.Generator, words: list[str], variant: str | None = None) -> list:
        """One clip per word, preferring ``variant`` (one speaker per utterance) when that word has it."""
        out = []
        for w in words:
            voices = self.by_word[w]
            v = variant if variant in voices else list(voices)[rng.integers(len(voices))]
            out.append((w, voices[v][rng.integers(len(voices[v]))]))
        return out


def random_utterance(
    rng: np.random.Generator, bank: WordBank, long: bool = False, max_words: int = 14, p_phone: float = 0.0
) -> tuple[np.ndarray, list[dict]]:
    """A training utterance: 1-max_words random words (or a 20-40 s one with long noisy pauses)."""
    n = int(rng.integers(25, 45)) if long else int(rng.integers(1, max_words + 1))
    words = [bank.words[i] for i in rng.integers(len(bank.words), size=n)]
    variant = TRAIN_VARIANTS[rng.integers(len(TRAIN_VARIANTS))]
    return compose(rng, bank.clips(rng, words, variant), long=long, snr_db=(8.0, 25.0) if long else (10.0, 40.0),
                   p_phone=p_phone)


# -------------------------------------------------------------------------------------------------------- model
def train_tokenizer(train_words: list[str], out_dir: Path, vocab_size: int) -> Path:
    """Train a SentencePiece BPE tokenizer (NeMo layout: tokenizer.model + vocab.txt) on the training words."""
    import sentencepiece as spm

    out_dir.mkdir(parents=True, exist_ok=True)
    text = out_dir / "text.txt"
    rng = random.Random(SEED + 2)
    lines = [" ".join(rng.choices(train_words, k=10)) for _ in range(20000)]
    text.write_text("\n".join(lines + train_words) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(out_dir / "tokenizer"), vocab_size=vocab_size, model_type="bpe",
        character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0, split_digits=True, num_threads=2,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(out_dir / "tokenizer.model"))
    vocab = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    (out_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return out_dir


def model_config(tokenizer_dir: Path, args: argparse.Namespace):
    """OmegaConf config mirroring the real model (RSDO-DS2-ASR-E2E 2.0), scaled down."""
    from omegaconf import OmegaConf

    return OmegaConf.create({
        "sample_rate": SAMPLE_RATE,
        "log_prediction": False,
        "ctc_reduction": "mean_batch",
        "tokenizer": {"dir": str(tokenizer_dir), "type": "bpe"},
        "preprocessor": {
            "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
            "sample_rate": SAMPLE_RATE, "normalize": "per_feature", "window_size": 0.025, "window_stride": 0.01,
            "window": "hann", "features": 80, "n_fft": 512, "log": True, "frame_splicing": 1, "dither": 1e-5,
            "pad_to": 0, "pad_value": 0.0,
        },
        "spec_augment": {
            "_target_": "nemo.collections.asr.modules.SpectrogramAugmentation",
            "freq_masks": 2, "time_masks": 2, "freq_width": 15, "time_width": 0.05,
        },
        "encoder": {
            "_target_": "nemo.collections.asr.modules.ConformerEncoder",
            "feat_in": 80, "feat_out": -1, "n_layers": args.layers, "d_model": args.d_model,
            "subsampling": "striding", "subsampling_factor": 4, "subsampling_conv_channels": args.sub_channels,
            "ff_expansion_factor": 4, "self_attention_model": "rel_pos", "n_heads": 4, "att_context_size": [-1, -1],
            "xscaling": True, "untie_biases": True, "pos_emb_max_len": 5000, "conv_kernel_size": args.conv_kernel,
            "conv_norm_type": "batch_norm", "dropout": 0.1, "dropout_pre_encoder": 0.1, "dropout_emb": 0.0,
            "dropout_att": 0.1,
        },
        "decoder": {
            "_target_": "nemo.collections.asr.modules.ConvASRDecoder",
            "feat_in": args.d_model, "num_classes": -1, "vocabulary": [],
        },
        "decoding": {"strategy": "greedy"},
        "train_ds": None, "validation_ds": None, "test_ds": None,
    })


def make_batch(items: list[tuple[np.ndarray, list[dict]]], tokenizer):
    """Pad audio and token targets of a list of (audio, truth) into torch tensors."""
    import torch

    lens = [len(a) for a, _ in items]
    x = torch.zeros(len(items), max(lens))
    for i, (a, _) in enumerate(items):
        x[i, : len(a)] = torch.from_numpy(a)
    targets = [tokenizer.text_to_ids(" ".join(w["word"] for w in truth)) for _, truth in items]
    y = torch.zeros(len(items), max(len(t) for t in targets), dtype=torch.long)
    for i, t in enumerate(targets):
        y[i, : len(t)] = torch.tensor(t)
    return x, torch.tensor(lens), y, torch.tensor([len(t) for t in targets])


def next_batches(rng: np.random.Generator, bank: WordBank, args: argparse.Namespace, warm: bool) -> list[list]:
    """A few training batches: one of two long utterances, or POOL_BATCHES batches sorted by length (less padding).

    While ``warm`` (curriculum) only short utterances of 1-CURRICULUM_MAX_WORDS words: CTC leaves its all-blank
    plateau much sooner on them.
    """
    if not warm and rng.random() < args.p_long:
        return [[random_utterance(rng, bank, long=True, p_phone=args.telephone) for _ in range(2)]]
    max_words = CURRICULUM_MAX_WORDS if warm else args.max_words
    pool = sorted((random_utterance(rng, bank, max_words=max_words, p_phone=args.telephone)
                   for _ in range(POOL_BATCHES * args.batch)),
                  key=lambda u: len(u[0]))
    batches = [pool[i : i + args.batch] for i in range(0, len(pool), args.batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def write_status(line: str) -> None:
    """Record progress for the other engineers in CACHE_DIR/STATUS."""
    (CACHE_DIR / "STATUS").write_text(time.strftime("%Y-%m-%d %H:%M:%S ") + line + "\n")


def save_model(model, path: Path, fp16: bool) -> None:
    """``model.save_to`` (optionally with fp16 weights; NeMo restores them into fp32 parameters)."""
    from omegaconf import open_dict

    path.parent.mkdir(parents=True, exist_ok=True)
    with open_dict(model.cfg):  # NeMo's transcribe() reads this section, as the real model has it
        model.cfg.validation_ds = {"sample_rate": SAMPLE_RATE, "use_start_end_token": False}
    if fp16:
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.half()
        model.save_to(str(path))
        model.float()
        model.load_state_dict(state)
    else:
        model.save_to(str(path))


def train(args: argparse.Namespace) -> Path:
    """Synthesise, train tokenizer and model for args.minutes of wall time, save; return the saved path."""
    import torch
    from nemo.collections.asr.models import EncDecCTCModelBPE

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    train_words, heldout_words = build_word_lists()
    HELDOUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    HELDOUT_JSON.write_text(json.dumps({"heldout_words": heldout_words}, ensure_ascii=False, indent=0) + "\n")
    print(f"{len(train_words)} training words, {len(heldout_words)} held out", flush=True)
    bank = WordBank(synthesise(training_jobs(train_words), "train"))
    if args.synth_only:
        return Path()
    if args.init_from:  # continue training a saved model (its tokenizer and config)
        model = EncDecCTCModelBPE.restore_from(str(args.init_from), map_location="cpu")
        model.float()
    else:
        tok_dir = train_tokenizer(train_words, CACHE_DIR / "tokenizer", args.vocab)
        model = EncDecCTCModelBPE(cfg=model_config(tok_dir, args))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.2f} M params, vocab {model.tokenizer.vocab_size}", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=1e-3)
    rng = np.random.default_rng(SEED)
    spec_augment = model.spec_augmentation
    model.to(args.device).train()
    budget, t0, step, last_save, losses, queue = args.minutes * 60, time.time(), 0, time.time(), [], []
    while (frac := step / args.steps if args.steps else (time.time() - t0) / budget) < 1.0:
        elapsed = time.time() - t0
        lr = args.lr * min(1.0, (step + 1) / args.warmup) * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        warm = frac < args.curriculum
        model.spec_augmentation = None if warm else spec_augment  # no SpecAugment during the curriculum
        if not queue:
            queue = next_batches(rng, bank, args, warm)
        x, xl, y, yl = (t.to(args.device) for t in make_batch(queue.pop(), model.tokenizer))
        log_probs, enc_len, _ = model.forward(input_signal=x, input_signal_length=xl)
        loss = model.loss(log_probs=log_probs, targets=y, input_lengths=enc_len, target_lengths=yl)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        if step % 25 == 0:
            print(f"step {step} {elapsed / 60:.1f} min lr {lr:.2e} loss {np.mean(losses[-25:]):.3f}", flush=True)
        if time.time() - last_save > args.save_every * 60:
            save_model(model, CACHE_DIR / "latest.nemo", fp16=False)
            loss_now = np.mean(losses[-50:])
            write_status(f"{CACHE_DIR / 'latest.nemo'} step {step}, {elapsed / 60:.1f} min, loss {loss_now:.3f}"
                         " (intermediate, still training)")
            last_save = time.time()
    model.spec_augmentation = spec_augment
    model.cpu().eval()
    train_minutes = (time.time() - t0) / 60
    save_model(model, CACHE_DIR / "final-fp32.nemo", fp16=False)
    save_model(model, args.output, fp16=args.fp16)
    meta = {"train_minutes": round(train_minutes, 1), "steps": step, "params": n_params,
            "final_loss": round(float(np.mean(losses[-50:])), 4), "args": {k: str(v) for k, v in vars(args).items()}}
    (CACHE_DIR / "train_meta.json").write_text(json.dumps(meta, indent=1))
    write_status(f"{args.output} saved (final), {train_minutes:.1f} min, {step} steps")
    print(f"saved {args.output} ({args.output.stat().st_size / 1e6:.1f} MB) after {train_minutes:.1f} min", flush=True)
    return args.output


# ---------------------------------------------------------------------------------------------------- command line
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to save the .nemo")
    p.add_argument("--minutes", type=float, default=50.0, help="training wall-time budget (minutes)")
    p.add_argument("--steps", type=int, help="train this many steps instead of a wall-time budget")
    p.add_argument("--device", default="cpu", help="torch device to train on (cpu, cuda)")
    p.add_argument("--synth-only", action="store_true", help="only fill the synthesis cache")
    p.add_argument("--no-evaluate", action="store_true", help="skip evaluation after training")
    p.add_argument("--eval-utterances", type=int, default=60, help="utterances per evaluation set")
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--d-model", type=int, default=144)
    p.add_argument("--conv-kernel", type=int, default=15)
    p.add_argument("--sub-channels", type=int, default=64, help="channels of the subsampling convolutions")
    p.add_argument("--vocab", type=int, default=128, help="SentencePiece BPE vocabulary size")
    p.add_argument("--max-words", type=int, default=10, help="most words in a (not long) training utterance")
    p.add_argument("--batch", type=int, default=8, help="utterances per training batch")
    p.add_argument("--p-long", type=float, default=0.15, help="probability that a batch draw is two 20-40 s utterances")
    p.add_argument("--lr", type=float, default=1.5e-3, help="peak learning rate (AdamW, warmup + cosine decay)")
    p.add_argument("--warmup", type=int, default=200, help="warmup steps")
    p.add_argument("--telephone", type=float, default=0.0,
                   help="fraction of utterances passed through 8 kHz (telephone band); 0.15 (with --curriculum "
                        "0.1) in a 50-min run made 8 kHz audio as good as 16 kHz but doubled the held-out WER "
                        "(tests/fixtures/README.md)")
    p.add_argument("--curriculum", type=float, default=0.25, help="fraction of the time on 1-3 word utterances")
    p.add_argument("--init-from", type=Path, help="continue training this .nemo instead of starting from scratch")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--save-every", type=float, default=6.0, help="minutes between intermediate saves")
    p.add_argument("--fp16", action=argparse.BooleanOptionalAction, default=True, help="store fp16 weights")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    train(args)
    if not (args.synth_only or args.no_evaluate):
        from evaluate_test_model import report

        report(args.output, args.eval_utterances)


if __name__ == "__main__":
    main()
