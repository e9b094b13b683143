"""The RSDO-DS2-ASR-E2E 2.0 architecture with random weights, for speed and memory measurements.

Compute and memory are the real model's; the words it outputs mean nothing. When the real model
is present (models/rsdo-2.0/conformer_ctc_bpe.nemo), `model_for_bench()` returns it instead.
The random model is cached in .cache/bench/ (git-ignored), never committed.

    python -m bench.rsdo_model            # builds .cache/bench/rsdo-random.nemo once
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from asr.config import REPO_ROOT

CACHE = REPO_ROOT / ".cache" / "bench"
RANDOM_MODEL = CACHE / "rsdo-random.nemo"
REAL_MODEL = REPO_ROOT / "models" / "rsdo-2.0" / "conformer_ctc_bpe.nemo"
VOCAB_SIZE = 1024  # RSDO 2.0's BPE vocabulary
SEED = 1737


def train_tokenizer(out_dir: Path) -> Path:
    """A 1024-piece SentencePiece BPE on Slovenian words (wordfreq), in NeMo's tokenizer layout."""
    import sentencepiece as spm
    from wordfreq import top_n_list

    out_dir.mkdir(parents=True, exist_ok=True)
    words = [w for w in top_n_list("sl", 30000) if w.isalpha()]
    rng = random.Random(SEED)
    text = out_dir / "text.txt"
    text.write_text("\n".join(" ".join(rng.choices(words, k=12)) for _ in range(30000)) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(out_dir / "tokenizer"), vocab_size=VOCAB_SIZE,
                                   model_type="bpe", character_coverage=1.0, bos_id=-1, eos_id=-1, unk_id=0,
                                   num_threads=2, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(out_dir / "tokenizer.model"))
    (out_dir / "vocab.txt").write_text("\n".join(sp.id_to_piece(i) for i in range(sp.get_piece_size())) + "\n",
                                       encoding="utf-8")
    return out_dir


def large_config(tokenizer_dir: Path):
    """NeMo Conformer-CTC Large as RSDO 2.0 uses it: d_model 512, 18 layers, 8 heads, kernel 31, 4x striding."""
    from omegaconf import OmegaConf

    return OmegaConf.create({
        "sample_rate": 16000,
        "tokenizer": {"dir": str(tokenizer_dir), "type": "bpe"},
        "preprocessor": {
            "_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor",
            "sample_rate": 16000, "normalize": "per_feature", "window_size": 0.025, "window_stride": 0.01,
            "window": "hann", "features": 80, "n_fft": 512, "log": True, "frame_splicing": 1, "dither": 1e-5,
            "pad_to": 0, "pad_value": 0.0,
        },
        "encoder": {
            "_target_": "nemo.collections.asr.modules.ConformerEncoder",
            "feat_in": 80, "feat_out": -1, "n_layers": 18, "d_model": 512, "subsampling": "striding",
            "subsampling_factor": 4, "subsampling_conv_channels": -1, "ff_expansion_factor": 4,
            "self_attention_model": "rel_pos", "n_heads": 8, "att_context_size": [-1, -1], "xscaling": True,
            "untie_biases": True, "pos_emb_max_len": 5000, "conv_kernel_size": 31, "conv_norm_type": "batch_norm",
            "dropout": 0.1, "dropout_pre_encoder": 0.1, "dropout_emb": 0.0, "dropout_att": 0.1,
        },
        "decoder": {"_target_": "nemo.collections.asr.modules.ConvASRDecoder", "feat_in": 512, "num_classes": -1,
                    "vocabulary": []},
        "decoding": {"strategy": "greedy"},
        "train_ds": None, "validation_ds": None, "test_ds": None,
    })


def build(path: Path = RANDOM_MODEL) -> Path:
    """Build and save the random-weight model once; later calls return the cached file."""
    if path.is_file():
        return path
    import torch
    from nemo.collections.asr.models import EncDecCTCModelBPE

    torch.manual_seed(SEED)
    from omegaconf import open_dict

    model = EncDecCTCModelBPE(cfg=large_config(train_tokenizer(CACHE / "tokenizer-1024")))
    with open_dict(model.cfg):  # NeMo's transcribe() reads this section, as the real model has it
        model.cfg.validation_ds = {"sample_rate": 16000, "use_start_end_token": False}
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save_to(str(path))
    return path


def model_for_bench() -> Path:
    """The real model when it is downloaded, else the random-weight copy of its architecture."""
    return REAL_MODEL if REAL_MODEL.is_file() else build()


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    print(build())
