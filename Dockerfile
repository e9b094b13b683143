# Prepis images; build from the repository root (the RunPod endpoint needs linux/amd64):
#   docker buildx build --platform linux/amd64 --target worker -t you/prepis-worker:latest --push .
#   docker buildx build --platform linux/amd64 --target app -t you/prepis-app:latest .
# Every command below is one the tests or CI run too: scripts/setup (CI), `python -m asr download` and
# `python -m asr.worker` (tests/test_worker.py), `python app.py` (tests/app_server.py).

# torch 2.13 from PyPI is built for CUDA 13 and brings its own CUDA/cuDNN wheels; the host driver must support
# CUDA 13 (RunPod endpoint setting "CUDA versions": 13.0 or newer). Ubuntu 24.04's python3 is 3.12.
FROM nvidia/cuda:13.0.2-runtime-ubuntu24.04 AS base
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1
# Ubuntu's python3 is not pinned (DL3008): its security updates replace old versions in the archive.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
COPY scripts/setup scripts/setup
RUN scripts/setup
COPY asr asr

# RunPod serverless worker: the model is baked in, so a cold start only loads it from disk.
FROM base AS worker
ENV ASR_MODEL=rsdo-2.0 \
    ASR_DEVICE=auto
RUN .venv/bin/python -m asr download rsdo-2.0
CMD [".venv/bin/python", "-u", "-m", "asr.worker"]

# Gradio app; models and reviews go to the /data volume (the model is downloaded on first use).
FROM base AS app
COPY app.py ./
COPY ui ui
ENV PREPIS_DATA_DIR=/data \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860
VOLUME ["/data"]
EXPOSE 7860
CMD [".venv/bin/python", "app.py"]
