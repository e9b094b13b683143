"""The reviewer's editor in headless Chromium (Debian's /usr/bin/chromium through playwright): the document,
following the audio, every shortcut and editing action, undo after a reload, a SIGKILL right after an edit."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from app_server import REPO, AppServer
from editor_pages import (
    PASSWORD,
    USER,
    caret_after,
    clip_transcript,
    done_count,
    focus_doc,
    history,
    load,
    login,
    long_recording,
    long_transcript,
    open_transcript,
    player,
    seed,
    seg,
    settled,
    silence,
    text,
    transcripts,
)

pytest.importorskip("playwright")
from playwright.sync_api import expect, sync_playwright  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
VIEWPORT = {"width": 1280, "height": 720}
FOLLOW_TOLERANCE = 0.3  # seconds between the player's time and the highlighted word
SHOTS = REPO / os.environ.get("PREPIS_SCREENSHOTS", ".cache/screenshots")
BENCH = REPO / ".cache" / "editor-bench.json"  # the figures of the 4-hour transcript, for docs/benchmarks.md
RUN_TIMEOUT = 600_000  # ms for transcribing a quarter of an hour on a small, busy machine

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, model):
    with AppServer(tmp_path_factory.mktemp("editor"), model, PREPIS_USERS=f"{USER}:{PASSWORD}") as server:
        yield server


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    yield login(context, server.url)
    context.close()


def opened(page, server, name: str, size: int = 4) -> str:
    tid = seed(server.data_dir, clip_transcript(size), name)
    page.reload()
    expect(page.locator("#mine label", has_text=name)).to_be_visible(timeout=30_000)
    open_transcript(page, name, segments=len(clip_transcript(size).segments))
    return tid


def test_the_document_shows_segments_words_and_marks(page, server):
    opened(page, server, "dokument.wav")
    first = seg(page, 0)
    expect(first.locator(".pe-clock")).to_have_text("0:00.52–0:04.47")
    expect(first.locator(".w")).to_have_count(4)
    expect(first.locator(".w.u")).to_have_text(["tisti"])  # uncertain: a wavy line and a "?" sign
    expect(seg(page, 1).locator(".w.x")).to_have_text(["temu"])  # not heard here
    expect(page.locator("#editor .pe-progress")).to_contain_text("Pregledano 0 od 3 (0 %) · negotovih besed: 2")
    expect(page.locator('#editor [data-act="mark"]')).to_be_disabled()  # nothing chosen yet
    seg(page, 1).locator(".pe-meta").click()
    expect(seg(page, 1)).to_have_class(re.compile(r"\bcur\b"))
    expect(page.locator('#editor [data-act="mark"]')).to_be_enabled()


def test_playing_highlights_and_follows_the_word_and_a_click_plays_from_a_word(page, server):
    opened(page, server, "sledenje.wav", size=2)
    focus_doc(page)
    page.keyboard.press(" ")
    samples = []
    for _ in range(12):
        page.wait_for_timeout(400)
        samples.append(page.evaluate("""() => { const a = document.querySelector('#editor .pe-audio');
            const h = CSS.highlights.get('pe-now'); const w = h && h.size ? [...h][0].startContainer : null;
            const r = document.querySelector('#editor .pe-doc').getBoundingClientRect();
            const b = w && w.getBoundingClientRect();
            return {t: a.currentTime, word: w && w.textContent, seen: !!b && b.top >= r.top && b.bottom <= r.bottom};
            }"""))
    page.keyboard.press(" ")
    assert player(page)["paused"]
    words = {w.word: w for w in clip_transcript().words}
    lit = [s for s in samples if s["word"]]
    assert len(lit) >= 6, samples
    for s in lit:  # the highlighted word is the one the player is in (or has just left)
        w = words[s["word"]]
        assert w.start - FOLLOW_TOLERANCE <= s["t"] <= w.end + FOLLOW_TOLERANCE, s
        assert s["seen"], "the word being played is in view"
    target = seg(page, 4).locator(".w").nth(1)
    target.click()
    page.wait_for_timeout(300)
    state = player(page)
    assert not state["paused"] and words[target.inner_text()].start <= state["t"] <= words[target.inner_text()].end
    page.keyboard.press("Control+Space")
    assert player(page)["paused"]


def test_player_shortcuts_and_typing_does_not_trigger_them(page, server):
    opened(page, server, "tipke.wav")
    focus_doc(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert player(page)["t"] == pytest.approx(6.0, abs=0.05)
    page.keyboard.press("ArrowLeft")
    assert player(page)["t"] == pytest.approx(3.0, abs=0.05)
    for _ in range(7):
        page.keyboard.press("-")
    assert player(page)["rate"] == pytest.approx(0.5)  # never below 0.5×
    page.keyboard.press("+")
    assert player(page)["rate"] == pytest.approx(0.6)
    expect(page.locator("#editor .pe-rate")).to_have_text("0.6×")
    caret_after(page, 0, 0)  # typing: Space, arrows and letters are text, not shortcuts
    page.keyboard.press(" ")
    page.keyboard.type("x")
    assert player(page)["paused"] and player(page)["t"] == pytest.approx(3.0, abs=0.05)
    expect(text(page, 0)).to_contain_text("začel x")
    page.keyboard.press("Alt+ArrowRight")  # Alt+arrows seek and change speed while typing
    assert player(page)["t"] == pytest.approx(6.0, abs=0.05)
    page.keyboard.press("Alt+ArrowLeft")
    page.keyboard.press("Alt+ArrowUp")
    assert player(page)["rate"] == pytest.approx(0.7)
    page.keyboard.press("Alt+ArrowDown")
    assert player(page)["rate"] == pytest.approx(0.6)
    for _ in range(20):
        page.keyboard.press("Alt+ArrowUp")
    assert player(page)["rate"] == pytest.approx(2.0)  # never above 2×
    page.keyboard.press("Control+Space")
    page.wait_for_timeout(300)
    assert not player(page)["paused"]
    page.keyboard.press("Control+Space")
    assert player(page)["paused"]


def test_segment_navigation_and_mark_reviewed_and_next(page, server):
    tid = opened(page, server, "pregled.wav")
    focus_doc(page)
    page.keyboard.press("ArrowDown")
    expect(seg(page, 0)).to_have_class(re.compile(r"\bcur\b"))
    page.keyboard.press("ArrowDown")
    expect(seg(page, 1)).to_have_class(re.compile(r"\bcur\b"))
    assert player(page)["t"] == pytest.approx(4.535, abs=0.05)  # choosing a segment moves the player there
    page.keyboard.press("ArrowUp")
    expect(seg(page, 0)).to_have_class(re.compile(r"\bcur\b"))
    before = done_count(page)
    page.keyboard.press("r")
    settled(page, before)
    expect(seg(page, 0).locator(".pe-rev")).to_be_visible()
    expect(seg(page, 1)).to_have_class(re.compile(r"\bcur\b"))
    caret_after(page, 1, 0)
    before = done_count(page)
    page.keyboard.press("Control+Enter")
    settled(page, before)
    expect(seg(page, 2)).to_have_class(re.compile(r"\bcur\b"))
    page.keyboard.press("Control+ArrowUp")
    expect(seg(page, 1)).to_have_class(re.compile(r"\bcur\b"))
    page.keyboard.press("Control+ArrowDown")
    expect(seg(page, 2)).to_have_class(re.compile(r"\bcur\b"))
    expect(page.locator("#editor .pe-progress")).to_contain_text("Pregledano 2 od 3 (67 %)")
    assert [s.reviewed for s in load(server.data_dir, tid).segments] == [True, True, False]


def test_help_lists_every_shortcut(page, server):
    opened(page, server, "pomoc.wav")
    focus_doc(page)
    page.keyboard.press("F1")
    help_panel = page.locator("#editor .pe-help")
    expect(help_panel).to_be_visible()
    for keys in ("Ctrl+Space", "Alt+← / Alt+→", "Alt+↓ / Alt+↑", "Ctrl+↑ / Ctrl+↓", "Ctrl+Enter", "Ctrl+. / Ctrl+,",
                 "Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y", "Ctrl+F", "Ctrl+M", "Ctrl+Shift+K", "Esc", "Space", "N / Shift+N"):
        expect(help_panel).to_contain_text(keys)
    page.keyboard.press("Escape")
    expect(help_panel).to_be_hidden()


def test_edit_saves_on_leaving_and_undo_redo_survive_a_reload(page, server):
    tid = opened(page, server, "popravek.wav")
    text(page, 0).click()
    page.keyboard.press("End")
    before = done_count(page)
    page.keyboard.type(" dodano")
    page.keyboard.press("Escape")  # leaving the segment saves it
    settled(page, before)
    assert load(server.data_dir, tid).segments[0].text == "začel celice tisti govoriti dodano"
    assert load(server.data_dir, tid).segments[0].edited
    expect(page.locator("#editor .pe-toast")).to_contain_text("Shranjeno")
    page.reload()
    open_transcript(page, "popravek.wav", segments=3)
    expect(text(page, 0)).to_have_text("začel celice tisti govoriti dodano")
    focus_doc(page)
    before = done_count(page)
    page.keyboard.press("Control+z")  # the history is in the store: undo works after a reload
    settled(page, before)
    expect(text(page, 0)).to_have_text("začel celice tisti govoriti")
    expect(text(page, 0).locator(".w")).to_have_count(4)  # the raw words with their times again
    before = done_count(page)
    page.keyboard.press("Control+Shift+Z")
    settled(page, before)
    expect(text(page, 0)).to_have_text("začel celice tisti govoriti dodano")
    before = done_count(page)
    page.keyboard.press("Control+z")
    settled(page, before)
    before = done_count(page)
    page.keyboard.press("Control+y")
    settled(page, before)
    assert load(server.data_dir, tid).segments[0].text == "začel celice tisti govoriti dodano"


def test_split_merge_delete_speaker_and_times(page, server):
    tid = opened(page, server, "razrez.wav")
    caret_after(page, 0, 1)  # after "celice"
    before = done_count(page)
    page.keyboard.press("Enter")
    settled(page, before)
    expect(page.locator("#editor .pe-seg")).to_have_count(4)
    expect(text(page, 0)).to_have_text("začel celice")
    expect(text(page, 1)).to_have_text("tisti govoriti")
    saved = load(server.data_dir, tid).segments
    assert [s.text for s in saved[:2]] == ["začel celice", "tisti govoriti"] and [s.id for s in saved] == [0, 1, 2, 3]
    assert saved[0].end == pytest.approx(2.373) and saved[1].start == pytest.approx(2.575)
    caret_after(page, 0, 0)
    before = done_count(page)
    page.keyboard.press("Control+m")  # merge with the next
    settled(page, before)
    expect(page.locator("#editor .pe-seg")).to_have_count(3)
    expect(text(page, 0)).to_have_text("začel celice tisti govoriti")
    focus_doc(page)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    before = done_count(page)
    page.keyboard.press("Control+Shift+K")  # delete the third
    settled(page, before)
    expect(page.locator("#editor .pe-seg")).to_have_count(2)
    seg(page, 1).locator(".pe-meta").click()
    page.locator("#editor .pe-speaker").fill("Govorka A")
    before = done_count(page)
    page.locator("#editor .pe-speaker").press("Tab")
    settled(page, before)
    expect(seg(page, 1).locator(".pe-spk")).to_have_text("Govorka A")
    page.locator("#editor .pe-start").fill("4.0")  # before the end of the first segment: allowed, with a warning
    before = done_count(page)
    page.locator('#editor [data-act="times"]').click()
    settled(page, before)
    expect(page.locator("#editor .pe-toast")).to_contain_text("prekriva")
    page.locator("#editor .pe-end").fill("2.0")  # before the start: refused, said in a toast
    before = done_count(page)
    page.locator('#editor [data-act="times"]').click()
    settled(page, before)
    expect(page.locator("#editor .pe-toast")).to_contain_text("ni veljaven")
    saved = load(server.data_dir, tid).segments
    assert [s.text for s in saved] == ["začel celice tisti govoriti", "seznam odločili temu roman"]
    assert saved[1].speaker == "Govorka A" and saved[1].start == 4.0
    logged = [h["field"] for h in history(server.data_dir, tid)]
    assert logged == ["split", "merge", "delete", "speaker", "times"]


def test_find_and_replace_across_the_transcript(page, server):
    tid = opened(page, server, "zamenjaj.wav")
    focus_doc(page)
    page.keyboard.press("Control+f")
    find = page.locator("#editor .pe-find-text")
    expect(find).to_be_focused()
    find.fill("e")
    expect(page.locator("#editor .pe-count")).to_have_text("zadetkov: 9")
    find.fill("ROMAN")
    expect(page.locator("#editor .pe-count")).to_have_text("zadetkov: 1")
    find.press("Enter")
    expect(seg(page, 1)).to_have_class(re.compile(r"\bcur\b"))
    page.locator("#editor .pe-replace-text").fill("román")
    before = done_count(page)
    page.locator('#editor [data-act="replaceAll"]').click()
    settled(page, before)
    expect(page.locator("#editor .pe-toast")).to_have_text("Zamenjanih: 1")
    expect(text(page, 1)).to_have_text("seznam odločili temu román")
    assert load(server.data_dir, tid).segments[1].text == "seznam odločili temu román"


def test_an_error_is_a_short_toast_in_the_ui_language(page, server):
    opened(page, server, "napaka.wav")
    page.locator("#lang label", has_text="English").click()
    expect(page.locator('#editor [data-act="mark"]')).to_have_text("Reviewed ✓ and next")
    seg(page, 2).locator(".pe-meta").click()
    before = done_count(page)
    page.keyboard.press("Control+m")  # the last segment has no next one
    expect(page.locator('#editor [data-act="merge"]')).to_be_disabled()
    page.evaluate("() => document.querySelector('#editor [data-act=\"merge\"]').disabled = false")
    page.locator('#editor [data-act="merge"]').click()
    settled(page, before)
    expect(page.locator("#editor .pe-toast.error")).to_have_text("There is no segment after this one.")
    assert page.locator(".toast-body").count() == 0  # nothing covers the player or the document


def test_next_and_previous_uncertain_word_are_scrolled_into_view_and_selected(page, server, tmp_path):
    transcript = long_transcript(300, 8, 1500.0, unsure={40, 250})
    seed(server.data_dir, transcript, "dolg.flac", silence(tmp_path / "tiho.flac", 1500))
    page.reload()
    open_transcript(page, "dolg.flac", segments=300)
    focus_doc(page)

    def selected() -> dict:
        page.wait_for_function("""() => { const w = document.querySelector('#editor .w.sel');
            const d = document.querySelector('#editor .pe-doc').getBoundingClientRect();
            const b = w && w.getBoundingClientRect(); return b && b.top >= d.top && b.bottom <= d.bottom; }""")
        return page.evaluate("""() => { const w = document.querySelector('#editor .w.sel');
            const d = document.querySelector('#editor .pe-doc').getBoundingClientRect();
            const b = w.getBoundingClientRect();
            const segs = [...document.querySelectorAll('#editor .pe-seg')];
            return {seg: segs.indexOf(w.closest('.pe-seg')), seen: b.top >= d.top && b.bottom <= d.bottom,
                    cur: segs.findIndex(s => s.classList.contains('cur'))}; }""")

    page.keyboard.press("n")
    assert selected() == {"seg": 40, "seen": True, "cur": 40}
    assert player(page)["t"] == pytest.approx(transcript.segments[40].start - 0.3, abs=0.01)
    page.keyboard.press("n")
    assert selected() == {"seg": 250, "seen": True, "cur": 250}
    page.keyboard.press("Shift+N")
    assert selected() == {"seg": 40, "seen": True, "cur": 40}
    caret_after(page, 10, 0)  # while typing: Ctrl+. and Ctrl+,
    page.keyboard.press("Control+.")
    assert selected()["seg"] == 40
    page.keyboard.press("Control+.")
    assert selected()["seg"] == 250
    page.keyboard.press("Control+,")
    assert selected()["seg"] == 40
    page.keyboard.press("Enter")  # edits the chosen segment with the uncertain word selected: typing replaces it
    page.keyboard.type("popravek")
    before = done_count(page)
    page.keyboard.press("Escape")
    settled(page, before)
    assert text(page, 40).inner_text().startswith("popravek ")
    before = done_count(page)
    page.keyboard.press("r")  # marking it reviewed leaves no uncertain word before segment 250
    settled(page, before)
    page.keyboard.press("Shift+N")
    assert selected()["seg"] == 250


def test_editing_while_a_long_file_runs_never_moves_the_caret_the_selection_or_the_player(browser, server, tmp_path):
    recording = long_recording(tmp_path / "med-prepisom.wav")
    context = browser.new_context(viewport=VIEWPORT)
    page = login(context, server.url)
    page.set_input_files("#upload input[type=file]", str(recording))
    expect(page.locator('#upload a[href*="/gradio_api/file="]')).to_be_attached(timeout=30_000)
    page.click("#start")
    expect(seg(page, 1)).to_be_visible(timeout=RUN_TIMEOUT)
    expect(page.locator("#editor .pe")).to_have_attribute("data-running", "1")
    page.evaluate("() => { const a = document.querySelector('#editor .pe-audio'); a.currentTime = 1.5; }")
    caret_after(page, 0, 0)
    page.keyboard.type(" vmes")  # typing in a finished segment while the run appends more

    def state() -> dict:
        return page.evaluate("""() => { const s = getSelection(); const t = document.activeElement;
            const segs = [...document.querySelectorAll('#editor .pe-seg')];
            return {segments: segs.length, focused: segs.indexOf(t.closest('.pe-seg')), anchor: s.anchorOffset,
                    node: s.anchorNode && s.anchorNode.textContent,
                    t: document.querySelector('#editor .pe-audio').currentTime,
                    scroll: document.querySelector('#editor .pe-doc').scrollTop, same: segs[0].dataset.mark === 'x',
                    cur: segs.findIndex(e => e.classList.contains('cur'))}; }""")

    page.evaluate("() => { document.querySelectorAll('#editor .pe-seg')[0].dataset.mark = 'x'; }")
    before = state()
    page.wait_for_function(f"() => document.querySelectorAll('#editor .pe-seg').length > {before['segments']}",
                           timeout=RUN_TIMEOUT)
    during = state()
    assert during["segments"] > before["segments"]
    assert {k: during[k] for k in ("focused", "anchor", "node", "t", "scroll", "same", "cur")} == {
        k: before[k] for k in ("focused", "anchor", "node", "t", "scroll", "same", "cur")}
    done = done_count(page)
    page.keyboard.press("Enter")  # the text is saved first; splitting renumbers segments: it waits for the run
    settled(page, done)
    expect(page.locator("#editor .pe-toast.error")).to_contain_text("ko se prepis konča")
    page.keyboard.press("Escape")
    assert any(t.segments and " vmes" in t.segments[0].text for t in transcripts(server.data_dir)), "saved"
    expect(page.locator("#progress")).to_contain_text(re.compile(r"Končano|Done"), timeout=RUN_TIMEOUT)
    expect(page.locator("#editor .pe")).to_have_attribute("data-running", "0")
    after = state()
    assert after["same"] and after["t"] == before["t"] and after["cur"] == 0, "the run's end reloads nothing"
    assert text(page, 0).inner_text().startswith(before["node"].split(" ")[0] + " vmes")
    tid_text = text(page, 0).inner_text()
    context.close()
    assert any(t.segments and t.segments[0].text == tid_text for t in transcripts(server.data_dir))


def test_a_four_hour_transcript_opens_and_types_without_lag(page, server, tmp_path):
    """The figures of docs/benchmarks.md (measured, not asserted: speed depends on the machine)."""
    hours, segments, words = 4, 4000, 10
    transcript = long_transcript(segments, words, hours * 3600.0, unsure=set(range(0, segments, 37)))
    seed(server.data_dir, transcript, "stiri-ure.flac", silence(tmp_path / "tiho.flac", hours * 3600))
    page.reload()
    expect(page.locator("#mine label", has_text="stiri-ure.flac")).to_be_visible(timeout=30_000)
    started = time.perf_counter()
    page.locator("#mine label", has_text="stiri-ure.flac").first.click()
    page.wait_for_function(f"() => document.querySelectorAll('#editor .pe-seg').length === {segments}",
                           timeout=60_000, polling="raf")
    opened_s = time.perf_counter() - started
    render_ms = int(page.locator("#editor .pe").get_attribute("data-open-ms"))
    page.evaluate("""() => { window.__long = []; new PerformanceObserver((l) => l.getEntries().forEach(
        (e) => window.__long.push(e.duration))).observe({type: 'longtask'}); }""")
    page.wait_for_timeout(2000)
    idle_tasks = page.evaluate("() => window.__long.splice(0)")  # the machine's own load, nothing happening
    middle = segments // 2
    page.evaluate(f"() => document.querySelectorAll('#editor .pe-seg')[{middle}].scrollIntoView()")
    caret_after(page, middle, 3)
    page.evaluate("""() => { const t = document.activeElement; window.__typing = []; let down = 0;
        t.addEventListener('keydown', () => { down = performance.now(); }, true);
        t.addEventListener('input', () => requestAnimationFrame(() => setTimeout(
            () => window.__typing.push(performance.now() - down), 0))); }""")
    page.keyboard.type("hitro tipkanje brez zamika", delay=60)
    page.wait_for_timeout(300)
    typing = sorted(page.evaluate("() => window.__typing"))
    page.keyboard.press("Escape")
    typing_tasks = page.evaluate("() => window.__long.splice(0)")
    page.evaluate(f"() => {{ const a = document.querySelector('#editor .pe-audio'); a.muted = true;"
                  f" a.currentTime = {hours * 3600 - 600}; }}")
    page.keyboard.press("Control+Space")
    lags = []
    for _ in range(20):
        page.wait_for_timeout(250)
        lags.append(page.evaluate("""() => { const now = document.querySelector('#editor .pe').prepisNow;
            return now == null ? null : document.querySelector('#editor .pe-audio').currentTime - now; }"""))
    page.keyboard.press("Control+Space")
    long_tasks = page.evaluate("() => window.__long")
    figures = {"words": segments * words, "hours": hours, "open_s": round(opened_s, 2), "render_ms": render_ms,
               "typing_median_ms": round(typing[len(typing) // 2], 1), "typing_max_ms": round(typing[-1], 1),
               "keys": len(typing), "highlight_lag_max_s": round(max(x for x in lags if x is not None), 3),
               "highlight_samples": sum(x is not None for x in lags),
               "long_tasks_ms": {name: [round(x) for x in tasks] for name, tasks in (
                   ("idle_2s", idle_tasks), ("typing", typing_tasks), ("playing_5s", long_tasks))}}
    BENCH.parent.mkdir(parents=True, exist_ok=True)
    BENCH.write_text(json.dumps(figures, indent=1))
    print(figures)
    assert len(typing) == len("hitro tipkanje brez zamika") and figures["highlight_samples"] >= 15
    assert all(0 <= x < FOLLOW_TOLERANCE + 0.36 for x in lags if x is not None), lags  # the word of the moment


def test_screenshots(browser, model, tmp_path):
    """docs/screenshots (remade with PREPIS_SCREENSHOTS=docs/screenshots; a plain run writes to .cache)."""
    transcript = clip_transcript(4)
    for i, s in enumerate(transcript.segments):
        s.speaker = f"Govorec {i % 2 + 1}"
    transcript.segments[0].reviewed = True
    with AppServer(tmp_path / "shots", model, PREPIS_USERS=f"{USER}:{PASSWORD}") as server:
        seed(server.data_dir, transcript, "intervju.wav")
        for name, viewport in (("editor-1280", VIEWPORT), ("editor-400", {"width": 400, "height": 800})):
            context = browser.new_context(viewport=viewport)
            page = login(context, server.url)
            open_transcript(page, "intervju.wav", segments=3)
            if viewport["width"] < 600:  # a phone: the sidebar folds away once a transcript is chosen
                page.locator("button[aria-label='Toggle Sidebar']").first.click()
            focus_doc(page)
            page.keyboard.press("n")
            page.keyboard.press("n")
            page.evaluate("() => { const a = document.querySelector('#editor .pe-audio'); a.currentTime = 5.6; }")
            page.wait_for_timeout(500)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}.png"))
            if viewport["width"] > 600:
                page.keyboard.press("F1")
                page.screenshot(path=str(SHOTS / "editor-help.png"))
            context.close()
