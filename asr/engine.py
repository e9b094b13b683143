"""The NeMo CTC model, loaded once per process and run for inference.

`Engine` takes batches of 16 kHz mono chunks and returns timed words per chunk. It calls the
model's `forward()` directly (not `transcribe()`, which pads short clips and leaves the encoder
in train mode) and decodes CTC itself, so word times and confidences come from the frame
posteriors (see asr.alignment).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from asr.alignment import FRAME_SHIFT, words_from_ctc
from asr.audio import SAMPLE_RATE, sha256_of
from asr.config import DEVICES, PRECISIONS
from asr.errors import ConfigError, ModelError
from asr.types import BackendInfo, ModelInfo, Word

log = logging.getLogger(__name__)

# glibc mallopt parameters: keep freed memory instead of returning it to the OS after every chunk; page faults
# took 28 % of CPU time at 20-30 s chunks with the defaults (see docs/benchmarks.md)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
TOP_PAD = 1 << 30  # bytes


def resolve_device(device: str = "auto") -> str:
    import torch

    if device not in DEVICES:
        raise ConfigError(f"device must be one of {', '.join(DEVICES)}, not {device!r}.")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("ASR_DEVICE=cuda was asked for, but PyTorch sees no CUDA GPU on this machine.")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def tune_allocator() -> None:
    """Make glibc's malloc keep and reuse large blocks (like MALLOC_MMAP_MAX_=0 MALLOC_TOP_PAD_=1G)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        return  # not glibc: nothing to tune
    libc.mallopt(M_MMAP_MAX, 0)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    libc.mallopt(M_TOP_PAD, TOP_PAD)


def use_sdpa(model) -> None:
    """Switch NeMo's attention layers to torch's scaled_dot_product_attention (same outputs, faster)."""
    for module in model.modules():
        if hasattr(module, "use_pytorch_sdpa"):
            module.use_pytorch_sdpa = True


def resolve_precision(precision: str, device: str) -> str:
    """auto: bf16 on a CUDA GPU, fp32 on the CPU (bf16 on the CPU is asked for explicitly; see docs/benchmarks.md)."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}.")
    if precision == "auto":
        return "bf16" if device == "cuda" else "fp32"
    return precision


def read_remap(model_info: Path) -> dict[str, str]:
    """Word replacements from a model.info file's `features.remap` (YAML; a mapping or a list of pairs)."""
    import yaml

    if not model_info.is_file():
        return {}
    try:
        info = yaml.safe_load(model_info.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        log.warning("ignoring unreadable %s: %s", model_info, e)
        return {}
    remap = (info.get("features") or {}).get("remap") if isinstance(info, dict) else None
    pairs: dict = {}
    if isinstance(remap, dict):
        pairs = remap
    elif isinstance(remap, list):
        for item in remap:
            if isinstance(item, dict):
                pairs.update(item)
            elif isinstance(item, (list, tuple)) and len(item) == 2:
                pairs[item[0]] = item[1]
    return {str(k): "" if v is None else str(v) for k, v in pairs.items()}


class Engine:
    """A NeMo CTC model (.nemo file) ready for inference on one device."""

    def __init__(self, path: str | Path, name: str | None = None, device: str = "auto", precision: str = "auto"):
        import torch
        from nemo.collections.asr.models import ASRModel
        from nemo.utils import logging as nemo_logging

        self.path = Path(path)
        self.name = name or self.path.stem
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        with nemo_logging.temp_verbosity(logging.ERROR):  # restoring prints the whole training config
            model = ASRModel.restore_from(str(self.path), map_location=torch.device(self.device))
        if not hasattr(model, "decoder") or not hasattr(model.decoder, "num_classes_with_blank"):
            raise ModelError(f"{self.path.name} is not a CTC model; Prepis runs NeMo CTC models.")
        model.preprocessor.featurizer.pad_to = 0
        use_sdpa(model)
        if self.device == "cpu":
            tune_allocator()
        self.model = model.eval()
        self.blank_id = model.decoder.num_classes_with_blank - 1
        self.pieces = [model.tokenizer.ids_to_tokens([i])[0] for i in range(self.blank_id)]
        self.remap = read_remap(self.path.parent / "model.info")
        self.info = BackendInfo(ModelInfo(self.name, sha256_of(self.path)), f"local-{self.device}", self.device,
                                self.precision)

    def log_probs(self, batch: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Frame log-posteriors (T_i x V+1, float32) for each chunk of the batch."""
        import torch

        lengths = torch.tensor([a.size for a in batch], dtype=torch.long)
        signal = torch.zeros(len(batch), int(lengths.max()), dtype=torch.float32)
        for i, a in enumerate(batch):
            signal[i, : a.size] = torch.from_numpy(a)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        with torch.inference_mode(), torch.autocast(self.device, dtype=dtype, enabled=dtype is not None):
            log_probs, encoded_len, _ = self.model.forward(
                input_signal=signal.to(self.device), input_signal_length=lengths.to(self.device)
            )
        log_probs = log_probs.float().cpu().numpy()
        return [log_probs[i, :n] for i, n in enumerate(encoded_len.cpu().tolist())]

    def token_ids(self, text: str) -> list[int]:
        """The model's token ids of ``text`` (its SentencePiece tokenizer)."""
        return list(self.model.tokenizer.text_to_ids(text))

    def recognize(self, batch: Sequence[np.ndarray]) -> list[list[Word]]:
        """Timed words for each chunk; times in seconds from the start of that chunk."""
        return [
            self._remapped(words_from_ctc(lp, self.pieces, self.blank_id, frame_shift=FRAME_SHIFT, audio=audio,
                                          sample_rate=SAMPLE_RATE))
            for lp, audio in zip(self.log_probs(batch), batch, strict=True)
        ]

    def _remapped(self, words: list[Word]) -> list[Word]:
        if not self.remap:
            return words
        for w in words:
            w.word = self.remap.get(w.word, w.word)
        return [w for w in words if w.word]  # a rule may map a word to nothing
