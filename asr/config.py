"""Settings from environment variables (and a .env file), the same for CLI, app and worker.

This is the one module that reads the environment for the core; the web app's own operator settings
(logins, upload size, queue) are read by ui/config.py from the same `environ` mapping given here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from asr.audio import DEFAULT_MAX_DURATION
from asr.errors import ConfigError

PROVIDERS = ("local", "runpod")
PROVIDER_ALIASES = {"clarinsi_slovene_asr": "runpod"}  # the original handler's name for the RunPod backend
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
REPO_ROOT = Path(__file__).resolve().parent.parent
RUNPOD_BASE_URL = "https://api.runpod.ai/v2"
DB_FILE = "prepis.sqlite3"
DEFAULT_WORKER_MAX_MB = 200.0  # megabytes of encoded audio a worker job may carry


@dataclass(frozen=True)
class Settings:
    model: str = "rsdo-2.0"  # ASR_MODEL: a catalogue name or a path to a .nemo file
    device: str = "auto"  # ASR_DEVICE: auto | cpu | cuda
    precision: str = "auto"  # ASR_PRECISION: auto | fp32 | bf16 | fp16
    provider: str = "local"  # TRANSCRIPTION_PROVIDER: local | runpod
    runpod_api_key: str = ""
    runpod_endpoint_id: str = ""
    runpod_base_url: str = RUNPOD_BASE_URL
    runpod_job_seconds: float | None = None  # RUNPOD_JOB_SECONDS: audio per job (None: the client's default)
    runpod_max_in_flight: int | None = None  # RUNPOD_MAX_IN_FLIGHT: jobs submitted at once
    worker_max_seconds: float = DEFAULT_MAX_DURATION  # PREPIS_WORKER_MAX_SECONDS
    worker_max_mb: float = DEFAULT_WORKER_MAX_MB  # PREPIS_WORKER_MAX_MB
    worker_url_hosts: str = "*"  # PREPIS_WORKER_URL_HOSTS: audio_url from any public address, `off`, or hosts
    data_dir: Path = REPO_ROOT  # PREPIS_DATA_DIR: holds models/ and the review database
    db: Path | None = None  # PREPIS_DB: the review database (default: <data_dir>/prepis.sqlite3)

    def __post_init__(self):
        if self.device not in DEVICES:
            raise ConfigError(f"ASR_DEVICE={self.device!r} is not known; use one of {', '.join(DEVICES)}.")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"ASR_PRECISION={self.precision!r} is not known; use one of {', '.join(PRECISIONS)}.")
        if self.provider not in PROVIDERS:
            raise ConfigError(f"TRANSCRIPTION_PROVIDER={self.provider!r} is not known; "
                              f"use one of {', '.join(PROVIDERS)}.")

    def __repr__(self) -> str:  # never show the API key in logs or tracebacks
        key = "***" if self.runpod_api_key else ""
        return (f"Settings(model={self.model!r}, device={self.device!r}, precision={self.precision!r}, "
                f"provider={self.provider!r}, runpod_api_key={key!r}, runpod_endpoint_id={self.runpod_endpoint_id!r}, "
                f"data_dir={self.data_dir!r})")

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def db_path(self) -> Path:
        return self.db or self.data_dir / DB_FILE


def _number(env: Mapping[str, str], name: str, kind, default):
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a {'whole ' if kind is int else ''}number.") from None
    if value <= 0:
        raise ConfigError(f"{name}={text!r} must be above 0.")
    return value


def load_settings(env_file: str | os.PathLike | None = ".env", environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings now (never at import); a .env file fills in what the environment lacks."""
    if env_file and Path(env_file).is_file() and environ is None:
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    env = os.environ if environ is None else environ
    provider = env.get("TRANSCRIPTION_PROVIDER", "local").strip().lower() or "local"
    return Settings(
        model=env.get("ASR_MODEL") or Settings.model,
        device=(env.get("ASR_DEVICE") or Settings.device).strip().lower(),
        precision=(env.get("ASR_PRECISION") or Settings.precision).strip().lower(),
        provider=PROVIDER_ALIASES.get(provider, provider),
        runpod_api_key=env.get("RUNPOD_API_KEY", ""),
        runpod_endpoint_id=env.get("RUNPOD_ENDPOINT_ID", ""),
        runpod_base_url=(env.get("RUNPOD_ENDPOINT_BASE_URL") or Settings.runpod_base_url).rstrip("/"),
        runpod_job_seconds=_number(env, "RUNPOD_JOB_SECONDS", float, None),
        runpod_max_in_flight=_number(env, "RUNPOD_MAX_IN_FLIGHT", int, None),
        worker_max_seconds=_number(env, "PREPIS_WORKER_MAX_SECONDS", float, DEFAULT_MAX_DURATION),
        worker_max_mb=_number(env, "PREPIS_WORKER_MAX_MB", float, DEFAULT_WORKER_MAX_MB),
        worker_url_hosts=env.get("PREPIS_WORKER_URL_HOSTS") or Settings.worker_url_hosts,
        data_dir=Path(env.get("PREPIS_DATA_DIR") or REPO_ROOT),
        db=Path(env["PREPIS_DB"]) if env.get("PREPIS_DB") else None,
    )
