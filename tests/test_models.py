"""Model download against a local HTTP server: complete, resumed, offline, damaged, not loadable."""

from __future__ import annotations

import io
import socket
import tarfile

import pytest
import zstandard

from asr import models
from asr.engine import read_remap

ARCHIVE = models.CATALOGUE["rsdo-2.0"].archive
MODEL_INFO = b"language_code: sl-SI\nfeatures:\n  remap:\n    ena: 1\n"


def make_archive(nemo: bytes, info: bytes = MODEL_INFO) -> bytes:
    """A .tar.zst laid out like CLARIN.SI's: v2.0/conformer_ctc_bpe.nemo and model.info."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in (("v2.0/conformer_ctc_bpe.nemo", nemo), ("v2.0/model.info", info)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return zstandard.ZstdCompressor().compress(raw.getvalue())


@pytest.fixture(scope="module")
def good_archive(tiny_model) -> bytes:
    return make_archive(tiny_model.read_bytes())


def test_download_unpacks_and_verifies(tmp_path, file_server, good_archive, tiny_model):
    file_server.files["/a.tar.zst"] = good_archive
    seen = []
    path = models.download("rsdo-2.0", tmp_path, url=file_server.url + "/a.tar.zst",
                           progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "rsdo-2.0" / "conformer_ctc_bpe.nemo"
    assert path.read_bytes() == tiny_model.read_bytes()
    assert read_remap(path.parent / "model.info") == {"ena": "1"}
    assert seen[-1] == (len(good_archive), len(good_archive))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".partial", "rsdo-2.0"]
    assert list((tmp_path / ".partial").iterdir()) == []
    assert models.resolve("rsdo-2.0", tmp_path) == (path, "rsdo-2.0")


def test_interrupted_download_resumes_with_range(tmp_path, file_server, good_archive):
    file_server.files["/a.tar.zst"] = good_archive
    file_server.cut_after = len(good_archive) // 3
    url = file_server.url + "/a.tar.zst"
    with pytest.raises(models.ModelError, match="run it again to resume|resumes where it stopped"):
        models.download("rsdo-2.0", tmp_path, url=url)
    partial = tmp_path / ".partial" / ARCHIVE
    saved = partial.stat().st_size  # whole blocks received before the connection dropped
    assert 0 < saved <= len(good_archive) // 3
    assert partial.read_bytes() == good_archive[:saved]
    assert not (tmp_path / "rsdo-2.0").exists(), "no half-written model where a complete one is expected"
    file_server.cut_after = None
    models.download("rsdo-2.0", tmp_path, url=url)
    assert file_server.requests[-1]["range"] == f"bytes={saved}-"
    assert (tmp_path / "rsdo-2.0" / "conformer_ctc_bpe.nemo").is_file()


def test_offline_download_says_what_to_do(tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(models.ModelError, match="Check the internet connection"):
        models.download("rsdo-2.0", tmp_path, url=f"http://127.0.0.1:{port}/a.tar.zst")
    assert not (tmp_path / "rsdo-2.0").exists()


def test_damaged_archive_is_discarded(tmp_path, file_server):
    file_server.files["/a.tar.zst"] = b"this is not zstd" * 100
    with pytest.raises(models.ModelError, match="damaged"):
        models.download("rsdo-2.0", tmp_path, url=file_server.url + "/a.tar.zst")
    assert not (tmp_path / ".partial" / ARCHIVE).exists()
    assert [p.name for p in tmp_path.iterdir()] == [".partial"]


def test_model_that_does_not_load_is_not_installed(tmp_path, file_server):
    file_server.files["/a.tar.zst"] = make_archive(b"not a nemo file")
    with pytest.raises(models.ModelError, match="does not load"):
        models.download("rsdo-2.0", tmp_path, url=file_server.url + "/a.tar.zst")
    assert not (tmp_path / "rsdo-2.0").exists()


def test_resolve_explains_missing_models(tmp_path, tiny_model):
    with pytest.raises(models.ModelError, match="python -m asr download rsdo-2.0"):
        models.resolve("rsdo-2.0", tmp_path)
    with pytest.raises(models.ModelError, match="rsdo-2.0, protoverb-1.0"):
        models.resolve("whisper", tmp_path)
    assert models.resolve(str(tiny_model), tmp_path) == (tiny_model, "tiny-sl")
