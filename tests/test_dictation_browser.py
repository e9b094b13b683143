"""Live dictation in headless Chromium with a fake microphone that plays over a minute of the fixture speech.

Chromium plays the WAV once (`%noloop`) into the page's microphone. The test watches the live view:
final words appear before the recording ends; the delay from each word's end in the audio to the moment it is
shown as final (median, 90th percentile: printed and written to .cache/dictation-browser.json); no audio is lost
(the seconds the server received = the seconds from the first audio to Stop); the saved transcript's WER is
within 1.5 points of the same audio transcribed as a file (the WAV played, and the recording the page made);
and the saved dictation opens in the editor with its audio.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from app_server import REPO
from helpers import build_long_audio, wer
from scipy.signal import resample_poly

from asr.audio import SAMPLE_RATE
from asr.backends import LocalBackend
from asr.engine import Engine
from asr.pipeline import transcribe
from asr.types import Transcript

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required"]
MIC_RATE = 48000  # Hz
SPEECH_SECONDS = 60  # at least this much speech is played
TAIL = 3.0  # seconds recorded after the file ends (the last words need GUARD seconds of audio after them)
MAX_WER_GAP = 0.015  # the dictation's WER may exceed the file's by this much
MAX_LOST = 0.5  # seconds: recorded seconds and the seconds from the first audio to Stop may differ by less
TIMEOUT = 120_000  # ms
RESULT = REPO / ".cache" / "dictation-browser.json"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")

# collects, for every final word the live view shows, its end in the audio and when it appeared (ms)
WATCH = """() => {
  window.dictationShown = [];
  const text = document.querySelector('#live .pd-text');
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) for (const n of r.addedNodes)
      if (n.classList && n.classList.contains('pd-word'))
        window.dictationShown.push({word: n.textContent, end: Number(n.dataset.end), at: now});
  }).observe(text, {childList: true});
}"""


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[Path, list]:
    """Over a minute of the fixture clips with varied pauses (48 kHz WAV, as microphones give) and its true
    words."""
    samples, truth, _ = build_long_audio(SPEECH_SECONDS)
    path = tmp_path_factory.mktemp("dictation") / "narek.wav"
    sf.write(path, resample_poly(samples, MIC_RATE // SAMPLE_RATE, 1), MIC_RATE, subtype="PCM_16")
    return path, truth


def saved(data_dir: Path) -> tuple[str, Transcript, str]:
    """The one saved transcript in the app's store: (owner, transcript, audio path)."""
    with sqlite3.connect(data_dir / "prepis.sqlite3") as db:
        (owner, tid, audio), = db.execute("SELECT owner, id, audio_path FROM transcripts").fetchall()
    from asr.store import Store

    store = Store(data_dir / "prepis.sqlite3")
    try:
        return owner, store.load(owner, tid), audio
    finally:
        store.close()


def record(page: Page, seconds: float) -> tuple[float, float, int]:
    """Record for `seconds`; returns (when the first audio reached the page and when Stop was pressed, page time
    in ms; final words shown before Stop)."""
    page.locator("#live .pd-text").wait_for(state="attached", timeout=30_000)  # the accordion has opened
    page.evaluate(WATCH)
    page.locator("#live .pd-record").click()
    expect(page.locator("#live .pd")).to_have_attribute("data-state", "live", timeout=30_000)
    page.wait_for_timeout(int(seconds * 1000))
    before_stop = page.locator("#live .pd-word").count()
    page.locator("#live .pd-stop").click()
    stopped = page.evaluate("performance.now()")
    captured = float(page.locator("#live .pd").get_attribute("data-capture"))  # the first audio reached the page
    return captured, stopped, before_stop


def test_dictation_shows_words_while_speaking_and_saves_them(app, model, speech, tmp_path):
    wav, truth = speech
    played = sf.info(str(wav)).duration
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=[*ARGS, f"--use-file-for-fake-audio-capture={wav}%noloop"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, permissions=["microphone"])
        page = context.new_page()
        page.goto(app.url)
        expect(page.locator("#model-status")).to_contain_text(re.compile("pripravljen|ready"), timeout=TIMEOUT)
        page.locator("#dictation button").first.click()  # open the accordion
        started, stopped, before_stop = record(page, played + TAIL)
        expect(page.locator("#progress")).to_contain_text(re.compile("shranjen|saved"), timeout=TIMEOUT)
        expect(page.locator("#editor .pe")).to_have_attribute("data-open", "1")
        assert page.locator("#editor .pe-seg").count() >= 1
        audio_seconds = page.wait_for_function(
            "() => { const a = document.querySelector('#editor audio.pe-audio'); "
            "return a && a.src && a.readyState >= 1 && a.duration; }", timeout=30_000).json_value()
        shown = page.evaluate("window.dictationShown")
        received = float(page.locator("#live .pd").get_attribute("data-seconds"))
        browser.close()

    _, transcript, kept = saved(app.data_dir)
    backend = LocalBackend(Engine(model, "fixture", "cpu"))
    file_words = transcribe(backend, wav).words
    recorded_words = transcribe(backend, kept).words  # what the page recorded, as a file: the capture's own loss
    reference = " ".join(w.word for w in truth)
    live_wer = wer(reference, " ".join(w.word for w in transcript.words))
    file_wer = wer(reference, " ".join(w.word for w in file_words))
    recorded_wer = wer(reference, " ".join(w.word for w in recorded_words))
    delays = [(s["at"] - started) / 1000 - s["end"] for s in shown]
    result = {"played": round(played, 3), "first_audio_to_stop": round((stopped - started) / 1000, 3),
              "recorded": received, "saved": transcript.info.audio.duration,
              "words_before_stop": before_stop, "words_shown": len(shown), "live_wer": round(100 * live_wer, 2),
              "file_wer": round(100 * file_wer, 2), "recorded_file_wer": round(100 * recorded_wer, 2),
              "delay_median": round(float(np.median(delays)), 3),
              "delay_p90": round(float(np.percentile(delays, 90)), 3)}
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(result)

    assert before_stop >= 10, "final words appear while the recording runs"
    assert received >= played, f"audio lost: {received} s recorded of {played} s played"
    assert abs(received - (stopped - started) / 1000) < MAX_LOST, f"audio lost or added: {result}"
    assert abs(transcript.info.audio.duration - received) < 0.1, "the saved audio is what was received"
    assert abs(audio_seconds - transcript.info.audio.duration) < 0.1, "the editor plays the saved recording"
    assert Path(kept).is_file() and transcript.info.audio.filename.startswith("narek-")
    assert live_wer <= recorded_wer + MAX_WER_GAP, f"the live decoding loses words: {result}"
    assert live_wer <= file_wer + MAX_WER_GAP, f"the dictation is worse than the file: {result}"
    assert [s["word"] for s in shown] == [w.word for w in transcript.words], "the final words shown are saved"
