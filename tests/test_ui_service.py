"""ui.service: the model status shown while it downloads, where jobs run, and the ZeroGPU wrapper."""

from __future__ import annotations

import sys
import types

import pytest
from conftest import AUDIO

from asr.config import Settings
from asr.errors import ModelError
from asr.options import TranscribeOptions
from asr.pipeline import load_audio
from asr.types import BackendInfo, ModelInfo, Word
from ui import service as service_module
from ui.service import GPU_BASE_SECONDS, ModelService, gpu_seconds


class FakeBackend:
    info = BackendInfo(ModelInfo("fake"), "local-cpu", "cpu", "fp32")

    def stream(self, samples, options, plan=None, progress=None):
        progress(1.0, "done")
        yield [Word("dober", 0.5, 0.8, 0.9)]


@pytest.fixture
def fake_backends(monkeypatch):
    made = []

    def get_backend(settings, download_progress=None):
        if download_progress:
            download_progress(100 * 2**20, 430 * 2**20)
        made.append(settings)
        return FakeBackend()

    monkeypatch.setattr(service_module, "get_backend", get_backend)
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    return made


def test_status_while_downloading_and_when_ready(fake_backends, monkeypatch):
    service = ModelService(Settings(model="rsdo-2.0"))
    assert service.status_text("sl") == "Nalagam model **rsdo-2.0** …"
    seen = []
    monkeypatch.setattr(service_module, "get_backend",
                        lambda s, progress: (progress(100 * 2**20, 430 * 2**20), seen.append(service.status_text("sl")),
                                             FakeBackend())[-1])
    service.warm_up().join(10)
    assert seen == ["Prenašam model **rsdo-2.0**: 100 od 430 MB …"]
    assert service.status.state == "ready" and "je pripravljen" in service.status_text("sl")


@pytest.mark.parametrize(("error", "shown"), [
    (ModelError("The download stopped; run it again."), "The model could not be prepared: The download stopped"),
    (RuntimeError("secret internals"), "The model could not be prepared: reference "),
])
def test_a_model_that_cannot_be_prepared_is_reported(monkeypatch, error, shown):
    def broken(settings, progress):
        raise error

    monkeypatch.setattr(service_module, "get_backend", broken)
    service = ModelService(Settings(model="rsdo-2.0"))
    service.warm_up().join(10)
    assert service.status_text("en").startswith(shown) and "secret internals" not in service.status_text("en")


def test_runpod_is_offered_only_when_configured(fake_backends):
    assert ModelService(Settings()).places() == ["local"]
    configured = ModelService(Settings(runpod_api_key="k", runpod_endpoint_id="e"))
    assert configured.places() == ["local", "runpod"]
    assert configured.settings_for("runpod", "rsdo-2.0").provider == "runpod"
    assert configured.settings_for("local", "protoverb-1.0").model == "protoverb-1.0"
    assert configured.settings_for("local", "unknown").model == "rsdo-2.0"
    assert ModelService(Settings()).settings_for("runpod", None).provider == "local"


def test_zero_gpu_runs_the_job_inside_spaces_gpu_with_a_duration_from_the_audio(fake_backends, monkeypatch):
    calls = []

    def gpu(duration):
        def wrap(fn):
            def run(*args):
                calls.append(duration(*args))
                yield from fn(*args)
            return run
        return wrap

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=gpu))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")

    service = ModelService(Settings(model="rsdo-2.0"))
    audio = load_audio(AUDIO / "wav16k_mono.wav")
    *_, last = service.stream("local", None, audio, TranscribeOptions())
    assert [w.word for w in last.transcript.words] == ["dober"]
    assert calls == [GPU_BASE_SECONDS + 1]  # a 12 s clip
    hour = type(audio)(audio.samples, type(audio.info)(duration=3600.0))
    assert gpu_seconds(Settings(), hour, TranscribeOptions()) == GPU_BASE_SECONDS + 90
    long = type(audio)(audio.samples, type(audio.info)(duration=8 * 3600.0))
    assert gpu_seconds(Settings(), long, TranscribeOptions()) == 600


def test_without_zero_gpu_spaces_is_not_needed(fake_backends, monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)  # importing it would fail
    service = ModelService(Settings())
    assert service._gpu_stream is None
