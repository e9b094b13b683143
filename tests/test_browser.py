"""The app in headless Chromium (Debian's /usr/bin/chromium through playwright; never `playwright install`).

A reviewer uploads a clip, watches it transcribe, edits a segment in the editor, marks it reviewed, reloads and
reopens it, downloads SRT with the edit; records with a fake microphone; loses nothing when the server is SIGKILLed
right after an edit; and two browsers never see each other's work. The screenshots in docs/screenshots
are made here.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import srt
from app_server import REPO, AppServer
from conftest import AUDIO
from editor_pages import done_count, long_recording, seg, settled, text

from ui.i18n import clock, parse_clock

pytest.importorskip("playwright")
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
CLIP = AUDIO / "wav16k_mono.wav"
# the pictures in docs/screenshots are remade with PREPIS_SCREENSHOTS=docs/screenshots; a plain run keeps them
SHOTS = REPO / os.environ.get("PREPIS_SCREENSHOTS", ".cache/screenshots")
VIEWPORT = {"width": 1400, "height": 1000}
DONE = re.compile(r"Končano|Done")
TIMEOUT = 120_000  # ms for a transcription

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    return long_recording(tmp_path_factory.mktemp("long") / "dolgi-posnetek.wav")


def open_app(context, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    expect(page.locator("#model-status")).to_contain_text(re.compile("pripravljen|ready"), timeout=TIMEOUT)
    return page


def choose(page: Page, clip: Path) -> None:
    """Upload a file into the file box and wait until the server has it."""
    page.set_input_files("#upload input[type=file]", str(clip))
    expect(page.locator('#upload a[href*="/gradio_api/file="]')).to_be_attached(timeout=30_000)


def transcribe(page: Page, clip: Path) -> None:
    choose(page, clip)
    page.click("#start")
    expect(page.locator("#progress")).to_contain_text(DONE, timeout=TIMEOUT)


def edit_text(page: Page, i: int, new: str) -> None:
    """Replace the text of segment `i` in the editor and leave it; waits until the store has it."""
    target = text(page, i)
    target.click()
    page.keyboard.press("Control+a")
    before = done_count(page)
    page.keyboard.type(new)
    page.keyboard.press("Escape")
    settled(page, before)
    expect(target).to_have_text(new)


def reopen(page: Page, filename: str) -> None:
    page.locator("#mine label", has_text=filename).first.click()
    expect(page.locator("#editor .pe")).to_have_attribute("data-open", "1")
    expect(seg(page, 0)).to_be_visible()


def download(page: Page, fmt: str) -> str:
    page.locator("#format label", has_text=fmt).click()
    page.click("#export")
    link = page.locator(f'#export-file a[href$=".{fmt.lower()}"]')
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_text(encoding="utf-8")


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_upload_edit_review_reload_download(app, browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = open_app(context, app.url)
    choose(page, CLIP)
    shot(page, "1-upload")
    page.click("#start")
    expect(page.locator("#progress")).to_contain_text(DONE, timeout=TIMEOUT)
    assert page.locator("#editor .pe-seg").count() >= 1
    edit_text(page, 0, "popravljeno v brskalniku")
    seg(page, 0).locator(".pe-meta").click()
    new_end = clock(parse_clock(page.locator("#editor .pe-end").input_value()) - 0.2)
    page.locator("#editor .pe-end").fill(new_end)
    before = done_count(page)
    page.locator('#editor [data-act="times"]').click()
    settled(page, before)
    expect(seg(page, 0).locator(".pe-clock")).to_contain_text(new_end)
    before = done_count(page)
    page.click('#editor [data-act="mark"]')
    settled(page, before)
    expect(seg(page, 0).locator(".pe-rev")).to_be_visible()
    expect(page.locator("#editor .pe-progress")).to_contain_text(re.compile(r"Pregledano 1 od \d+"))
    shot(page, "3-review")

    page.reload()
    expect(page.locator("#mine label", has_text=CLIP.name)).to_be_visible(timeout=30_000)
    reopen(page, CLIP.name)
    expect(text(page, 0)).to_have_text("popravljeno v brskalniku")
    expect(seg(page, 0).locator(".pe-rev")).to_be_visible()
    cues = [c for c in srt.parse(download(page, "SRT")) if c.end.total_seconds() <= parse_clock(new_end) + 0.001]
    # the edit is re-aligned to the audio: its cues carry the corrected words, inside the segment's new bounds
    assert " ".join(c.content.replace("\n", " ") for c in cues) == "popravljeno v brskalniku"
    assert cues[-1].end.total_seconds() <= parse_clock(new_end) + 0.001, (new_end, cues)
    context.close()


def test_long_file_streams_segments_and_can_be_cancelled(app, browser, long_clip):
    context = browser.new_context(viewport=VIEWPORT)
    page = open_app(context, app.url)
    choose(page, long_clip)
    page.click("#start")
    expect(seg(page, 1)).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#cancel")).to_be_enabled()  # segments are shown while it still runs
    expect(page.locator("#progress")).to_contain_text(re.compile(r"Prepisujem: .* \(\d+ %\), končanih delov: \d+"))
    shot(page, "2-running")
    page.click("#cancel")
    expect(page.locator("#progress")).to_contain_text("preklican", timeout=30_000)
    expect(page.locator("#mine label", has_text=long_clip.name)).to_contain_text("preklicano")
    expect(page.locator("#start")).to_be_enabled()
    start = parse_clock(seg(page, 1).locator(".pe-clock").inner_text().split("–")[0])
    seg(page, 1).locator(".pe-meta").click()  # choosing a segment moves the player there
    assert abs(page.evaluate("() => document.querySelector('#editor .pe-audio').currentTime") - start) <= 0.05
    context.close()


def test_a_bad_file_gives_a_plain_message(app, browser, tmp_path):
    not_audio = tmp_path / "zapiski.wav"
    not_audio.write_text("to ni zvok")
    context = browser.new_context(viewport=VIEWPORT)
    page = open_app(context, app.url)
    choose(page, not_audio)
    page.click("#start")
    toast = page.locator(".toast-body")
    expect(toast).to_contain_text("not an audio or video file", timeout=TIMEOUT)
    assert "Traceback" not in toast.inner_text()
    page.reload()  # a refused file never becomes a list entry, and none of it is kept
    expect(page.locator("#mine")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#mine label", has_text=not_audio.name)).to_have_count(0)
    assert not any(p.read_bytes() == not_audio.read_bytes() for p in (app.data_dir / "prepis-audio").glob("*"))
    context.close()


def test_english_and_next_uncertain_word(browser, model, tmp_path):
    # the fixture model is sure of almost every word (confidence 0.90-0.996 on this clip): mark those below 0.95
    with AppServer(tmp_path / "unsure", model, PREPIS_LOW_CONFIDENCE="0.95") as server:
        context = browser.new_context(viewport=VIEWPORT)
        page = open_app(context, server.url)
        page.locator("#lang label", has_text="English").click()
        expect(page.locator("#start")).to_have_text("Start transcribing")
        page.reload()
        expect(page.locator("#start")).to_have_text("Start transcribing", timeout=30_000)
        transcribe(page, CLIP)
        page.click('#editor [data-act="nextUnsure"]')
        expect(page.locator("#editor .w.sel")).to_be_visible()
        expect(page.locator("#editor .w.sel")).to_have_class(re.compile(r"\bu\b"))
        shot(page, "4-english")
        context.close()


def test_microphone_with_fake_capture(app, playwright, tmp_path):
    fake = tmp_path / "clip.wav"
    shutil.copyfile(CLIP, fake)
    args = [*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={fake}"]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
    context = browser.new_context(viewport=VIEWPORT, permissions=["microphone"])
    page = open_app(context, app.url)
    page.locator("#mic button", has_text=re.compile("Record|Snemaj")).click()
    page.wait_for_timeout(6000)
    page.locator("#mic button.stop-button").click()
    uploaded = page.locator('#mic a[data-testid=download-link][href*="/gradio_api/file="]')
    expect(uploaded).to_be_attached(timeout=30_000)  # the recording reached the server
    page.click("#start")
    expect(page.locator("#progress")).to_contain_text(DONE, timeout=TIMEOUT)
    expect(page.locator("#mine label", has_text="mikrofon-")).to_be_visible()
    assert page.locator("#editor .pe-seg").count() >= 1, "the recording has speech"
    browser.close()


def test_an_edit_survives_sigkill(tmp_path, model, browser):
    server = AppServer(tmp_path / "crash", model).start()
    try:
        context = browser.new_context(viewport=VIEWPORT)
        page = open_app(context, server.url)
        transcribe(page, CLIP)
        edit_text(page, 0, "shranjeno pred padcem")
        server.kill()
        server.start()  # the same port, so the browser's stored identity still applies
        page.reload()
        reopen(page, CLIP.name)
        expect(text(page, 0)).to_have_text("shranjeno pred padcem")
        context.close()
    finally:
        server.stop()


def test_two_browsers_do_not_see_each_others_work(app, browser):
    first, second = browser.new_context(viewport=VIEWPORT), browser.new_context(viewport=VIEWPORT)
    a, b = open_app(first, app.url), open_app(second, app.url)
    choose(a, CLIP)
    choose(b, AUDIO / "flac.flac")
    a.click("#start")
    b.click("#start")
    for page in (a, b):
        expect(page.locator("#progress")).to_contain_text(DONE, timeout=TIMEOUT)
        page.reload()
        expect(page.locator("#mine label").first).to_be_visible(timeout=30_000)
    assert a.locator("#mine label", has_text="flac.flac").count() == 0
    assert b.locator("#mine label", has_text=CLIP.name).count() == 0
    assert b.locator("#mine label").count() == 1
    reopen(a, CLIP.name)  # deleting asks first, and touches only one's own work
    a.once("dialog", lambda dialog: dialog.dismiss())
    a.click("#delete")
    a.wait_for_timeout(1000)
    expect(a.locator("#mine label")).to_have_count(1)
    a.once("dialog", lambda dialog: dialog.accept())
    a.click("#delete")
    expect(a.locator("#mine label")).to_have_count(0)
    b.reload()
    expect(b.locator("#mine label")).to_have_count(1, timeout=30_000)
    first.close()
    second.close()


def login(context, url: str, user: str, password: str) -> Page:
    page = context.new_page()
    page.goto(url)
    page.locator("input[type=text]").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.locator("button", has_text=re.compile("Login|Log in", re.I)).click()
    expect(page.locator("#model-status")).to_contain_text(re.compile("pripravljen|ready"), timeout=TIMEOUT)
    return page


def test_with_login_each_user_sees_their_own_work_in_any_browser(tmp_path, model, browser):
    with AppServer(tmp_path / "login", model, PREPIS_USERS="ana:geslo-ena,bor:geslo-dve") as server:
        contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(3)]
        ana = login(contexts[0], server.url, "ana", "geslo-ena")
        files = []  # what ana's browser fetched from the file route: her upload, kept audio, subtitles
        ana.on("response", lambda r: files.append((r.url, r.status)) if "/gradio_api/file=" in r.url else None)
        transcribe(ana, CLIP)
        expect(ana.locator(".pe-audio")).to_be_attached()
        ana.wait_for_timeout(2000)  # the player loads the kept audio
        assert files and all(status in (200, 206) for _, status in files), files
        ana_elsewhere = login(contexts[1], server.url, "ana", "geslo-ena")
        expect(ana_elsewhere.locator("#mine label", has_text=CLIP.name)).to_be_visible(timeout=30_000)
        bor = login(contexts[2], server.url, "bor", "geslo-dve")
        expect(bor.locator("#mine")).to_contain_text(re.compile("Tu bodo vaši prepisi"))
        assert bor.locator("#mine label").count() == 0
        for url, _ in files:  # a leaked URL is not enough: bor is logged in, but these are not his
            assert contexts[2].request.get(url).status == 404, url
        for context in contexts:
            context.close()


def test_a_failed_runpod_part_shows_runpods_own_sentence(browser, model, tmp_path):
    """The app on a RunPod endpoint (the fake cloud) whose worker always fails: the reviewer reads the range and the
    reason RunPod gave, in a toast, and the transcript's list entry says it failed."""
    from runpod_cloud import FakeRunPod

    always_fails = lambda job_input: ("FAILED", "CUDA error: out of memory")  # noqa: E731
    with FakeRunPod(always_fails) as cloud, AppServer(
            tmp_path / "runpod", model, RUNPOD_API_KEY=cloud.api_key, RUNPOD_ENDPOINT_ID=cloud.endpoint,
            RUNPOD_ENDPOINT_BASE_URL=cloud.base_url) as server:
        context = browser.new_context(viewport=VIEWPORT)
        page = open_app(context, server.url)
        page.get_by_text("Nastavitve").click()  # the settings accordion
        page.locator("#where label", has_text="RunPod").click()
        choose(page, CLIP)
        page.click("#start")
        toast = page.locator(".toast-body")
        # the range and the reason in RunPod's terms; the worker's own text stays in the endpoint's log (it may
        # echo a request, key included: docs/security.md)
        expect(toast).to_contain_text(re.compile(r"RunPod could not transcribe 00:00\u201300:1\d: the job failed 3 "
                                                 r"times \(last: the worker reported that the job failed"),
                                      timeout=TIMEOUT)
        assert "Unexpected" not in toast.inner_text() and cloud.api_key not in page.content()
        expect(page.locator("#mine label", has_text=CLIP.name)).to_contain_text("napaka")
        context.close()
