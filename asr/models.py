"""The catalogue of known models, and their download from CLARIN.SI.

A download goes to `<models>/.partial/<archive>` and resumes there with an HTTP Range request;
the archive (.tar.zst) is unpacked into a temporary folder beside the target, the `.nemo` file
is found by its suffix and checked to load, and only then is the folder renamed into place,
so `<models>/<name>/` is either complete or absent.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asr.errors import ModelError

log = logging.getLogger(__name__)

MODEL_FILE = "conformer_ctc_bpe.nemo"
INFO_FILE = "model.info"
CLARIN_URL = "https://www.clarin.si/repository/xmlui/bitstream/handle/11356/{handle}/{archive}"
BLOCK = 1 << 20  # bytes per read
TIMEOUT = 30  # seconds without data before a download attempt gives up

ByteProgress = Callable[[int, int | None], None]  # bytes done, total bytes if known


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    handle: str
    archive: str

    @property
    def url(self) -> str:
        return CLARIN_URL.format(handle=self.handle, archive=self.archive)


CATALOGUE = {
    spec.name: spec
    for spec in (
        ModelSpec("rsdo-2.0", "RSDO-DS2-ASR-E2E 2.0 (general Slovenian, 5.58 % WER)", "1737",
                  "sl-SI_GEN_nemo-2.0.tar.zst"),
        ModelSpec("protoverb-1.0", "PROTOVERB-ASR-E2E 1.0", "2024", "sl-SI_MOL_nemo-1.0.tar.zst"),
    )
}


def installed_path(name: str, models_dir: Path) -> Path:
    return models_dir / name / MODEL_FILE


def resolve(model: str, models_dir: Path) -> tuple[Path, str]:
    """(path to the .nemo file, model name) for a catalogue name or a path; ModelError if it is not there."""
    if model in CATALOGUE:
        path = installed_path(model, models_dir)
        if not path.is_file():
            raise ModelError(f"Model {model} is not downloaded yet. Run: python -m asr download {model}")
        return path, model
    path = Path(model).expanduser()
    if path.suffix == ".nemo" and path.is_file():
        return path, path.stem
    known = ", ".join(CATALOGUE)
    raise ModelError(f"No model {model!r}: give one of {known} or the path of an existing .nemo file.")


def ensure(model: str, models_dir: Path, progress: ByteProgress | None = None) -> tuple[Path, str]:
    """Like resolve(), but downloads a catalogue model that is missing."""
    if model in CATALOGUE and not installed_path(model, models_dir).is_file():
        download(model, models_dir, progress=progress)
    return resolve(model, models_dir)


def download(name: str, models_dir: Path, url: str | None = None, progress: ByteProgress | None = None) -> Path:
    """Fetch, unpack and verify a catalogue model into `<models_dir>/<name>/`; returns the .nemo path."""
    spec = CATALOGUE.get(name)
    if spec is None:
        raise ModelError(f"Unknown model {name!r}; known: {', '.join(CATALOGUE)}")
    archive = fetch(url or spec.url, models_dir / ".partial" / spec.archive, progress)
    target = models_dir / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=models_dir))
    try:
        unpack(archive, staging)
        verify(staging / MODEL_FILE)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    archive.unlink()
    log.info("model %s ready in %s", name, target)
    return target / MODEL_FILE


def fetch(url: str, partial: Path, progress: ByteProgress | None = None) -> Path:
    """Download url to `partial`, resuming what an earlier attempt left there."""
    import requests

    partial.parent.mkdir(parents=True, exist_ok=True)
    done = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={done}-"} if done else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as r:
            if r.status_code == 416:  # the partial file is already complete
                return partial
            r.raise_for_status()
            if r.status_code != 206:
                done = 0  # the server ignored the range: start over
            length = r.headers.get("Content-Length")
            total = done + int(length) if length else None
            with open(partial, "ab" if done else "wb") as f:
                for block in r.iter_content(BLOCK):
                    f.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
    except requests.RequestException as e:
        raise ModelError(
            f"Could not download {url}: {e}. Check the internet connection and run the download again; "
            f"it resumes where it stopped ({done} bytes so far)."
        ) from e
    if total is not None and done < total:
        raise ModelError(f"The download of {url} stopped at {done} of {total} bytes; run it again to resume.")
    return partial


def unpack(archive: Path, dest: Path) -> None:
    """Unpack a .tar.zst and move the .nemo (found by suffix) and model.info to the top of dest."""
    import zstandard

    unpacked = dest / "archive"
    try:
        with open(archive, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as stream:
            with tarfile.open(fileobj=stream, mode="r|") as tar:
                tar.extractall(unpacked, filter="data")
    except (tarfile.TarError, zstandard.ZstdError, OSError) as e:
        archive.unlink(missing_ok=True)  # a damaged archive must not be resumed
        raise ModelError(f"The downloaded archive {archive.name} is damaged ({e}); run the download again.") from e
    nemo_files = sorted(unpacked.rglob("*.nemo"))
    if not nemo_files:
        raise ModelError(f"{archive.name} holds no .nemo file.")
    nemo_files[0].rename(dest / MODEL_FILE)
    infos = sorted(unpacked.rglob(INFO_FILE))
    if infos:
        infos[0].rename(dest / INFO_FILE)
    shutil.rmtree(unpacked)


def verify(path: Path) -> None:
    """Check that the model restores; raise ModelError if it does not."""
    from nemo.collections.asr.models import ASRModel

    try:
        ASRModel.restore_from(str(path), map_location="cpu")
    except Exception as e:  # any failure to restore means the file is unusable
        raise ModelError(f"The downloaded model {path.name} does not load: {e}") from e
