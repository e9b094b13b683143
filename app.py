"""Prepis web app: `python app.py` (also Hugging Face Spaces' app_file).

Settings come from the environment (see README "Web app"); GRADIO_SERVER_NAME / GRADIO_SERVER_PORT
choose where it listens. Nothing is built or loaded at import.
"""

from __future__ import annotations

import logging


def main() -> None:
    from asr.config import load_settings
    from asr.store import Store
    from ui.app import build_app, launch_options
    from ui.config import load_app_config
    from ui.service import ModelService

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    config = load_app_config(settings)
    store = Store(config.db)
    interrupted = store.recover()
    if interrupted:
        logging.getLogger("prepis").warning("%d transcription(s) were running when the app stopped", interrupted)
    service = ModelService(settings)
    service.warm_up()
    demo = build_app(settings, config, store, service)
    demo.queue(max_size=config.queue_size, default_concurrency_limit=1)
    demo.launch(**launch_options(config, store))


if __name__ == "__main__":
    main()
