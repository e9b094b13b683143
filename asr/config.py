"""Settings from environment variables (and a .env file), the same for CLI, app and worker."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROVIDERS = ("local", "runpod")
PROVIDER_ALIASES = {"clarinsi_slovene_asr": "runpod"}  # the original handler's name for the RunPod backend
REPO_ROOT = Path(__file__).resolve().parent.parent
RUNPOD_BASE_URL = "https://api.runpod.ai/v2"


@dataclass(frozen=True)
class Settings:
    model: str = "rsdo-2.0"  # ASR_MODEL: a catalogue name or a path to a .nemo file
    device: str = "auto"  # ASR_DEVICE: auto | cpu | cuda
    provider: str = "local"  # TRANSCRIPTION_PROVIDER: local | runpod
    runpod_api_key: str = ""
    runpod_endpoint_id: str = ""
    runpod_base_url: str = RUNPOD_BASE_URL
    data_dir: Path = REPO_ROOT  # PREPIS_DATA_DIR: holds models/ and the review database

    def __repr__(self) -> str:  # never show the API key in logs or tracebacks
        key = "***" if self.runpod_api_key else ""
        return (f"Settings(model={self.model!r}, device={self.device!r}, provider={self.provider!r}, "
                f"runpod_api_key={key!r}, runpod_endpoint_id={self.runpod_endpoint_id!r}, data_dir={self.data_dir!r})")

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


def load_settings(env_file: str | os.PathLike | None = ".env") -> Settings:
    """Read the settings now (never at import); a .env file fills in what the environment lacks."""
    if env_file and Path(env_file).is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    env = os.environ
    provider = env.get("TRANSCRIPTION_PROVIDER", "local").strip().lower() or "local"
    provider = PROVIDER_ALIASES.get(provider, provider)
    if provider not in PROVIDERS:
        raise ValueError(f"TRANSCRIPTION_PROVIDER={provider!r} is not known; use one of {', '.join(PROVIDERS)}")
    return Settings(
        model=env.get("ASR_MODEL") or Settings.model,
        device=env.get("ASR_DEVICE") or Settings.device,
        provider=provider,
        runpod_api_key=env.get("RUNPOD_API_KEY", ""),
        runpod_endpoint_id=env.get("RUNPOD_ENDPOINT_ID", ""),
        runpod_base_url=(env.get("RUNPOD_ENDPOINT_BASE_URL") or Settings.runpod_base_url).rstrip("/"),
        data_dir=Path(env.get("PREPIS_DATA_DIR") or REPO_ROOT),
    )
