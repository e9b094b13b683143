"""Helpers of the editor's Chromium tests: transcripts written straight into a launched app's store (owned by a
logged-in user, so the browser opens them at once), and the page actions a reviewer does."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import soundfile as sf
from conftest import AUDIO
from playwright.sync_api import Page, expect

from asr.audio import SAMPLE_RATE, decode_audio
from asr.store import Store
from asr.types import AudioInfo, Segment, Transcript, TranscriptionInfo, Word

USER, PASSWORD = "ana", "geslo-ena"
OWNER = f"user:{USER}"
CLIP = AUDIO / "wav16k_mono.wav"
READY = re.compile("pripravljen|ready")
TIMEOUT = 120_000  # ms


def clip_words() -> list[Word]:
    """The clip's true words and times; words 2 and 9 uncertain, word 6 not heard (as forced alignment says)."""
    truth = json.loads(CLIP.with_suffix(".json").read_text())["words"]
    words = [Word(w["word"], w["start"], w["end"], 0.95) for w in truth]
    words[2].confidence, words[9].confidence = 0.2, 0.3
    words[6].aligned = False
    return words


def clip_transcript(size: int = 4) -> Transcript:
    words = clip_words()
    segments = [Segment.from_words(i, words[k:k + size]) for i, k in enumerate(range(0, len(words), size))]
    return Transcript(segments, TranscriptionInfo(AudioInfo(CLIP.name, 11.6, "x")))


def long_transcript(segments: int, words: int, seconds: float, unsure: set[int]) -> Transcript:
    """`segments` segments of `words` words over `seconds` of audio; the first word of each segment in `unsure`
    is uncertain."""
    vocabulary = [w.word for w in clip_words()]
    step = seconds / (segments * words)
    out = []
    for i in range(segments):
        ws = [Word(vocabulary[(i + k) % len(vocabulary)], round((i * words + k) * step, 3),
                   round((i * words + k + 0.8) * step, 3), 0.2 if k == 0 and i in unsure else 0.95)
              for k in range(words)]
        out.append(Segment.from_words(i, ws))
    return Transcript(out, TranscriptionInfo(AudioInfo("", seconds, "x")))


def silence(path: Path, seconds: float) -> Path:
    """A silent FLAC of `seconds`, written a minute at a time."""
    block = np.zeros(SAMPLE_RATE * 60, np.int16)
    with sf.SoundFile(path, "w", SAMPLE_RATE, 1, format="FLAC", subtype="PCM_16") as f:
        for start in range(0, int(seconds), 60):
            f.write(block[: SAMPLE_RATE * min(60, int(seconds) - start)])
    return path


def long_recording(path: Path) -> Path:
    """About a quarter of an hour of speech: the fixture clips one after another, twelve times."""
    parts = []
    for name in ("wav16k_mono.wav", "flac.flac", "mp3.mp3", "opus.ogg", "wav44k_stereo.wav", "aac.m4a"):
        parts += [decode_audio(AUDIO / name), np.zeros(SAMPLE_RATE, np.float32)]
    sf.write(path, np.concatenate(parts * 12), SAMPLE_RATE)
    return path


def seed(data_dir: Path, transcript: Transcript, filename: str, audio: Path = CLIP, status: str = "done") -> str:
    """Save `transcript` as `filename` for the test user, with a copy of `audio` to play; returns its id."""
    audio_dir = data_dir / "prepis-audio"
    audio_dir.mkdir(parents=True, exist_ok=True)
    kept = audio_dir / f"{Path(filename).stem}{audio.suffix}"
    shutil.copyfile(audio, kept)
    transcript.info = TranscriptionInfo(AudioInfo(filename, transcript.info.audio.duration, "x"))
    store = Store(data_dir / "prepis.sqlite3")
    try:
        return store.create(OWNER, transcript, str(kept), status=status)
    finally:
        store.close()


def login(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.locator("input[type=text]").first.fill(USER)
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("button", has_text=re.compile("Login|Log in", re.I)).click()
    expect(page.locator("#model-status")).to_contain_text(READY, timeout=TIMEOUT)
    return page


def open_transcript(page: Page, filename: str, segments: int | None = None) -> None:
    page.locator("#mine label", has_text=filename).first.click()
    expect(page.locator("#editor .pe")).to_have_attribute("data-open", "1")
    if segments is not None:
        expect(page.locator("#editor .pe-seg")).to_have_count(segments)


def seg(page: Page, i: int):
    return page.locator("#editor .pe-seg").nth(i)


def text(page: Page, i: int):
    return seg(page, i).locator(".pe-text")


def settled(page: Page, done_before: int) -> None:
    """Wait until the editor's actions since `done_before` are answered."""
    root = page.locator("#editor .pe")
    page.wait_for_function(
        "([n]) => { const r = document.querySelector('#editor .pe'); "
        "return Number(r.dataset.done) > n && r.dataset.pending === '0'; }", arg=[done_before])
    expect(root).to_have_attribute("data-pending", "0")


def done_count(page: Page) -> int:
    return int(page.locator("#editor .pe").get_attribute("data-done"))


def focus_doc(page: Page) -> None:
    page.locator("#editor .pe-doc").focus()


def caret_after(page: Page, i: int, word: int) -> None:
    """Put the caret right after word `word` of segment `i` (typing mode)."""
    page.evaluate("""([i, k]) => {
        const t = document.querySelectorAll('#editor .pe-seg')[i].querySelector('.pe-text');
        t.focus();
        const w = t.querySelectorAll('.w')[k];
        const r = document.createRange(); r.setStartAfter(w); r.collapse(true);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r);
    }""", [i, word])


def player(page: Page) -> dict:
    return page.evaluate("""() => { const a = document.querySelector('#editor .pe-audio');
        return {t: a.currentTime, paused: a.paused, rate: a.playbackRate}; }""")


def load(data_dir: Path, tid: str) -> Transcript:
    """The transcript as the app's store has it now."""
    return _read(data_dir, lambda store: store.load(OWNER, tid))


def history(data_dir: Path, tid: str) -> list[dict]:
    """The store's edit log of the transcript."""
    return _read(data_dir, lambda store: store.history(OWNER, tid))


def transcripts(data_dir: Path) -> list[Transcript]:
    """Every transcript of the test user."""
    return _read(data_dir, lambda store: [store.load(OWNER, s.id) for s in store.list(OWNER)])


def _read(data_dir: Path, read):
    store = Store(data_dir / "prepis.sqlite3")
    try:
        return read(store)
    finally:
        store.close()
