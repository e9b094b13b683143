// The reviewer's editor: the body of gr.HTML's js_on_load (element, trigger, props, server, upload, watch).
// Python sends messages in `props.value` (open / append / status / lang); their segments come as one JSON
// string, parsed here into the editor's own objects (gradio serialises its props: they are never changed).
// The editor asks Python through
// server.editor_call({op, ...}) and applies the changes it answers. Nothing here talks to a CDN.
const root = element.querySelector(".pe");
const $ = (sel) => root.querySelector(sel);
const audio = $(".pe-audio");
const docEl = $(".pe-doc");
const timeEl = $(".pe-time"), seekEl = $(".pe-seek");
const SEEK_STEP = 3; // seconds
const RATE_STEP = 0.1, RATE_MIN = 0.5, RATE_MAX = 2.0;
const PRE_ROLL = 0.3; // seconds played before a word jumped to
const NOW_SLACK = 0.25; // seconds after a word's end it stays highlighted
const TOAST_MS = 5000;
const texts = props.texts || {};
const threshold = Number(props.threshold || 0.5);

const st = {
  tid: null, owner: "", token: "", lang: "sl", running: false, duration: 0,
  doc: [], cur: -1, sel: null, undo: 0, redo: 0, caret: null, now: null,
  index: null, queue: Promise.resolve(), pending: 0, done: 0, follow: true, hits: [],
};

// ---- words of the UI --------------------------------------------------------------------------
function tr(key, values) {
  const table = texts[st.lang] || texts.sl || {};
  let text = table[key] || key;
  for (const [k, v] of Object.entries(values || {})) text = text.replace("{" + k + "}", v);
  return text;
}

function relabel() {
  root.querySelectorAll("[data-t]").forEach((el) => { el.textContent = tr(el.dataset.t); });
  root.querySelectorAll("[data-tip]").forEach((el) => { el.title = tr(el.dataset.tip); el.setAttribute("aria-label", tr(el.dataset.tip)); });
  root.querySelectorAll("[data-ph]").forEach((el) => { el.placeholder = tr(el.dataset.ph); });
  renderHelp();
  updateMark();
  updateProgress();
}

const SHORTCUTS = [
  ["ed_k_anywhere", [
    ["Ctrl+Space", "ed_k_play"], ["Alt+← / Alt+→", "ed_k_seek"], ["Alt+↓ / Alt+↑", "ed_k_speed"],
    ["Ctrl+↑ / Ctrl+↓", "ed_k_segment"], ["Ctrl+Enter", "ed_k_mark"], ["Ctrl+. / Ctrl+,", "ed_k_unsure"],
    ["Ctrl+Z / Ctrl+Shift+Z, Ctrl+Y", "ed_k_undo"], ["Ctrl+F", "ed_k_find"], ["Ctrl+M", "ed_k_merge"],
    ["Ctrl+Shift+K", "ed_k_delete"], ["Enter (v besedilu / in text)", "ed_k_split"], ["Esc", "ed_k_leave"],
    ["F1", "ed_k_help"]]],
  ["ed_k_reading", [
    ["Space", "ed_k_play"], ["← / →", "ed_k_seek"], ["- / +", "ed_k_speed"], ["↑ / ↓", "ed_k_segment"],
    ["R", "ed_k_mark"], ["N / Shift+N", "ed_k_unsure"], ["Enter", "ed_k_edit"], ["F", "ed_k_follow"],
    ["?", "ed_k_help"]]],
];

function renderHelp() {
  const parts = ["<strong>" + esc(tr("ed_k_title")) + "</strong>"];
  for (const [group, rows] of SHORTCUTS) {
    parts.push("<p><em>" + esc(tr(group)) + "</em></p><table>");
    for (const [keys, what] of rows) parts.push("<tr><td><kbd>" + esc(keys) + "</kbd></td><td>" + esc(tr(what)) + "</td></tr>");
    parts.push("</table>");
  }
  $(".pe-help").innerHTML = parts.join("");
}

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function clock(seconds) {
  const cs = Math.max(0, Math.round(seconds * 100));
  const h = Math.floor(cs / 360000), m = Math.floor((cs % 360000) / 6000), s = (cs % 6000) / 100;
  const ss = s.toFixed(2).padStart(5, "0");
  return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
}

function parseClock(text) {
  const parts = String(text).trim().replace(",", ".").split(":");
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p.trim() === "" || isNaN(Number(p)))) return NaN;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

// ---- the document ------------------------------------------------------------------------------
// a segment's units: its display tokens (or raw words) with times and marks; null when its text is one block
function units(seg) {
  const w = seg.w || [];
  const mark = (f, l) => {
    let u = false, x = false;
    for (let k = f; k <= l && k < w.length; k++) { if (w[k][3] < threshold) u = true; if (w[k].length > 4) x = true; }
    return { u, x };
  };
  if (seg.tk && seg.tk.length) {
    return seg.tk.map(([text, f, l]) => ({ text, s: w[f] ? w[f][1] : seg.s, e: w[Math.min(l, w.length - 1)] ? w[Math.min(l, w.length - 1)][2] : seg.e, ...mark(f, l) }));
  }
  const raw = w.map((x) => x[0]).join(" ");
  if (seg.t !== raw) return null;
  return w.map((x, k) => ({ text: x[0], s: x[1], e: x[2], ...mark(k, k) }));
}

function textHtml(seg) {
  seg.units = units(seg);
  if (!seg.units) return esc(seg.t);
  return seg.units.map((u, k) => '<span class="w' + (u.u ? " u" : "") + (u.x ? " x" : "") + '" data-k="' + k + '">' + esc(u.text) + "</span>").join(" ");
}

function metaHtml(seg) {
  const flags = seg.units ? seg.units.filter((u) => u.u).length : 0;
  return '<span class="pe-clock">' + clock(seg.s) + "–" + clock(seg.e) + "</span>" +
    (seg.sp ? '<span class="pe-spk">' + esc(seg.sp) + "</span>" : "") +
    (seg.r ? '<span class="pe-rev">✓ ' + esc(tr("ed_reviewed")) + "</span>" : "") +
    (flags && !seg.r ? '<span class="pe-flag">⚠ ' + flags + " ?</span>" : "");
}

function segHtml(seg) {
  const body = textHtml(seg);
  return '<div class="pe-seg' + (seg.r ? " rev" : "") + '"><div class="pe-meta">' + metaHtml(seg) +
    '</div><div class="pe-text" contenteditable="true" spellcheck="false">' + body + "</div></div>";
}

function link(from) {
  const els = docEl.children;
  for (let i = from; i < st.doc.length; i++) { st.doc[i].el = els[i]; els[i]._seg = st.doc[i]; }
}

function openDoc(msg) {
  const began = performance.now();
  st.tid = msg.tid; st.owner = msg.owner || ""; st.token = msg.token || ""; st.running = !!msg.running;
  st.duration = msg.duration || 0; st.undo = msg.undo || 0; st.redo = msg.redo || 0;
  st.doc = JSON.parse(msg.segments || "[]"); st.cur = -1; st.sel = null; st.caret = null; st.now = null; st.index = null;
  docEl.innerHTML = st.tid ? st.doc.map(segHtml).join("") : '<p class="pe-empty" data-t="ed_empty">' + esc(tr("ed_empty")) + "</p>";
  link(0);
  const src = msg.audio ? ((window.gradio_config && window.gradio_config.root) || "").replace(/\/$/, "") + msg.audio : "";
  if (src !== (audio.dataset.src || "")) { audio.dataset.src = src; if (src) audio.src = src; else audio.removeAttribute("src"); }
  if (NOW) NOW.clear();
  root.dataset.open = st.tid ? "1" : "0";
  root.dataset.running = st.running ? "1" : "0";
  docEl.scrollTop = 0;
  if (st.tid) { requestAnimationFrame(showEditor); setTimeout(showEditor, 300); }
  if (st.running) toast(tr("ed_running"), "ok");
  refresh();
  root.dataset.openMs = String(Math.round(performance.now() - began)); // read by the benchmark in the tests
}

function showEditor() {
  // the player and the text in view together: the editor's top at the top of the window
  const r = root.getBoundingClientRect();
  if (Math.abs(r.top) > 4 && (r.top < 0 || r.bottom > window.innerHeight)) root.scrollIntoView({ block: "start" });
}

function appendSegments(msg) {
  if (msg.tid !== st.tid) return;
  const fresh = JSON.parse(msg.segments || "[]").slice(Math.max(0, st.doc.length - msg.from));
  if (!fresh.length) return;
  const from = st.doc.length;
  st.doc.push(...fresh);
  docEl.insertAdjacentHTML("beforeend", fresh.map(segHtml).join(""));
  link(from);
  st.index = null;
  updateProgress();
  updateButtons();
}

function replaceSeg(i, seg) {
  // a new version of segment i: its text is redrawn only when its words or text changed (the caret stays)
  const old = st.doc[i];
  seg.el = old.el; seg.el._seg = seg;
  const sameText = old.t === seg.t && JSON.stringify(old.w) === JSON.stringify(seg.w) && JSON.stringify(old.tk) === JSON.stringify(seg.tk);
  if (sameText) seg.units = old.units;
  else seg.el.querySelector(".pe-text").innerHTML = textHtml(seg);
  seg.el.querySelector(".pe-meta").innerHTML = metaHtml(seg);
  seg.el.classList.toggle("rev", !!seg.r);
  st.doc[i] = seg;
}

function applyChanges(changes) {
  for (const c of changes) {
    if (c.remove === 1 && c.insert.length === 1) { replaceSeg(c.at, c.insert[0]); continue; }
    const gone = st.doc.slice(c.at, c.at + c.remove);
    const after = st.doc[c.at + c.remove] ? st.doc[c.at + c.remove].el : null;
    gone.forEach((g) => g.el.remove());
    const box = document.createElement("div");
    box.innerHTML = c.insert.map(segHtml).join("");
    const nodes = Array.from(box.children);
    nodes.forEach((n) => docEl.insertBefore(n, after));
    st.doc.splice(c.at, c.remove, ...c.insert);
    c.insert.forEach((seg, k) => { seg.el = nodes[k]; nodes[k]._seg = seg; });
    if (st.cur >= st.doc.length) st.cur = st.doc.length - 1;
  }
  st.index = null;
  if (st.sel && !st.sel.el.isConnected) st.sel = null;
  if (st.cur >= 0 && st.doc[st.cur]) markCurrent(st.cur);
  refresh();
}

// ---- reading position, selection, progress -------------------------------------------------------
function indexOfEl(el) {
  const segEl = el && el.closest ? el.closest(".pe-seg") : null;
  return segEl && segEl._seg ? st.doc.indexOf(segEl._seg) : -1;
}

function markCurrent(i) {
  root.querySelectorAll(".pe-seg.cur").forEach((el) => el.classList.remove("cur"));
  st.cur = i;
  if (st.sel && st.sel.i !== i) clearSel(); // a word chosen elsewhere is forgotten
  const seg = st.doc[i];
  if (!seg) { updateButtons(); return; }
  seg.el.classList.add("cur");
  $(".pe-speaker").value = seg.sp || "";
  $(".pe-start").value = clock(seg.s);
  $(".pe-end").value = clock(seg.e);
  updateMark();
  updateButtons();
}

function selectSegment(i) {
  if (i < 0 || i >= st.doc.length) return;
  showEditor();
  markCurrent(i);
  clearSel();
  if (!inView(st.doc[i].el)) reveal(st.doc[i].el);
  seek(st.doc[i].s);
}

function clearSel() {
  if (st.sel) st.sel.el.classList.remove("sel");
  st.sel = null;
}

function selectWord(i, k) {
  const seg = st.doc[i];
  const span = seg.el.querySelectorAll(".w")[k];
  showEditor();
  markCurrent(i);
  clearSel();
  st.sel = { i, k, el: span };
  span.classList.add("sel");
  reveal(span);
  seek(Math.max(0, seg.units[k].s - PRE_ROLL));
}

function updateMark() {
  const seg = st.doc[st.cur];
  const btn = $('[data-act="mark"]');
  btn.textContent = tr(seg && seg.r ? "ed_unmark" : "ed_mark");
}

function updateButtons() {
  const seg = st.cur >= 0 && st.doc[st.cur];
  const need = {
    seg: !!seg, next: !!seg && st.cur + 1 < st.doc.length, caret: !!st.caret && st.caret.i === st.cur,
    undo: st.undo > 0, redo: st.redo > 0,
  };
  root.querySelectorAll("[data-need]").forEach((el) => { el.disabled = !st.tid || !need[el.dataset.need]; });
}

function updateProgress() {
  if (!st.tid) { $(".pe-progress").textContent = ""; return; }
  let done = 0, unsure = 0;
  for (const seg of st.doc) {
    if (seg.r) { done++; continue; }
    if (!seg.units) seg.units = units(seg);
    if (seg.units) for (const u of seg.units) if (u.u) unsure++;
  }
  const total = st.doc.length;
  $(".pe-progress").textContent = tr("ed_progress", { done, total, pct: total ? Math.round((100 * done) / total) : 0, unsure });
}

function listSpeakers() {
  const names = [...new Set(st.doc.map((seg) => seg.sp).filter(Boolean))].sort();
  const html = names.map((n) => '<option value="' + esc(n) + '">').join("");
  const list = $("#pe-speakers");
  if (list.innerHTML !== html) list.innerHTML = html;
}

function refresh() {
  listSpeakers();
  updateMark();
  updateButtons();
  updateProgress();
  findCount();
}

let toastTimer = null;
function toast(text, kind) {
  const el = $(".pe-toast");
  el.textContent = text;
  el.className = "pe-toast " + (kind || "ok");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.textContent = ""; }, TOAST_MS);
}

// ---- the player and the word being played -------------------------------------------------------
function buildIndex() {
  const starts = [], refs = [];
  st.doc.forEach((seg, i) => {
    if (!seg.units) seg.units = units(seg);
    if (seg.units) seg.units.forEach((u, k) => { starts.push(u.s); refs.push([i, k]); });
  });
  st.index = { starts: Float64Array.from(starts), refs };
}

function unitAt(t) {
  if (!st.index) buildIndex();
  const a = st.index.starts;
  let lo = 0, hi = a.length - 1, found = -1;
  while (lo <= hi) { const mid = (lo + hi) >> 1; if (a[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1; }
  if (found < 0) return null;
  const [i, k] = st.index.refs[found];
  const u = st.doc[i].units[k];
  return t <= u.e + NOW_SLACK ? { i, k, u } : null;
}

// The player's time and the word being played change many times a second. They are drawn without changing the
// DOM (an input's value, a CSS highlight): gradio lays out the whole page on every DOM change it observes.
const NOW = typeof Highlight !== "undefined" && window.CSS && CSS.highlights ? new Highlight() : null;
if (NOW) CSS.highlights.set("pe-now", NOW);

function showNow() {
  const t = audio.currentTime;
  const shown = clock(t).slice(0, -1);
  if (shown !== timeEl.value) {
    timeEl.value = shown;
    if (document.activeElement !== seekEl) { seekEl.max = audio.duration || st.duration || 1; seekEl.value = t; }
  }
  const hit = st.tid ? unitAt(t) : null;
  const span = hit ? st.doc[hit.i].el.querySelectorAll(".w")[hit.k] : null;
  if (span === st.now) return;
  if (st.now && !NOW) st.now.classList.remove("now");
  st.now = span;
  root.prepisNow = hit ? hit.u.s : null; // the start of the word being played, for the tests
  if (NOW) NOW.clear();
  if (!span) return;
  if (NOW) { const r = new Range(); r.selectNodeContents(span); NOW.add(r); } else span.classList.add("now");
  if (st.follow && !typing(document.activeElement)) keepInView(span);
}

function reveal(el) {
  // paragraphs off screen are laid out with an estimated height (content-visibility): scroll, then correct
  el.scrollIntoView({ block: "center" });
  requestAnimationFrame(() => requestAnimationFrame(() => keepInView(el)));
}

function inView(el) {
  const box = docEl.getBoundingClientRect(), r = el.getBoundingClientRect();
  return r.top >= box.top + 8 && r.bottom <= box.bottom - 8;
}

function keepInView(el) {
  if (!inView(el)) docEl.scrollTop += el.getBoundingClientRect().top - docEl.getBoundingClientRect().top - docEl.clientHeight / 3;
}

function tick() {
  showNow();
  if (!audio.paused) requestAnimationFrame(tick);
}

function seek(t) {
  const end = audio.duration || st.duration || t;
  audio.currentTime = Math.max(0, Math.min(end, t));
  showNow();
}

function togglePlay() {
  if (!audio.src) return;
  if (audio.paused) audio.play().catch(() => {}); else audio.pause();
}

function setRate(delta) {
  const rate = Math.min(RATE_MAX, Math.max(RATE_MIN, Math.round((audio.playbackRate + delta) * 10) / 10));
  audio.playbackRate = rate;
  $(".pe-rate").textContent = rate.toFixed(1) + "×";
}

audio.addEventListener("play", () => { $(".pe-play").textContent = "❚❚"; requestAnimationFrame(tick); });
audio.addEventListener("pause", () => { $(".pe-play").textContent = "▶"; showNow(); });
audio.addEventListener("seeked", showNow);
$(".pe-seek").addEventListener("input", (e) => { audio.currentTime = Number(e.target.value); });

// ---- talking to Python: one action at a time, in order ---------------------------------------------
function call(op, args) {
  if (!st.tid) return Promise.resolve(null);
  const payload = { op, tid: st.tid, owner: st.owner, token: st.token, lang: st.lang, ...args };
  st.pending++;
  root.dataset.pending = String(st.pending);
  const run = st.queue.then(async () => {
    let answer;
    try { answer = await server.editor_call(payload); } catch (e) { answer = { ok: false, error: tr("ed_offline") }; }
    if (payload.tid !== st.tid) return null;
    if (!answer || !answer.ok) { toast((answer && answer.error) || tr("ed_offline"), "error"); return null; }
    st.undo = answer.undo; st.redo = answer.redo;
    if (answer.changes && answer.changes.length) applyChanges(answer.changes); else refresh();
    if (answer.warning) toast(answer.warning, "warn");
    else if (answer.note) toast(answer.note, "ok");
    else if (answer.count !== undefined) toast(tr("ed_replaced", { n: answer.count }), "ok");
    else toast(tr("ed_saved"), "ok");
    return answer;
  }).finally(() => {
    st.pending--; st.done++;
    root.dataset.pending = String(st.pending);
    root.dataset.done = String(st.done);
  });
  st.queue = run.catch(() => null);
  return run;
}

function typedText(seg) {
  return seg.el.querySelector(".pe-text").textContent.replace(/\s+/g, " ").trim();
}

function dirty(seg) {
  return !!seg && typedText(seg) !== seg.t;
}

function save(i) {
  const seg = st.doc[i];
  if (!seg || !dirty(seg)) return Promise.resolve(null);
  seg.el.classList.add("saving");
  return call("text", { i, text: typedText(seg) }).finally(() => seg.el && seg.el.classList.remove("saving"));
}

async function act(name) {
  const i = st.cur, seg = st.doc[i];
  switch (name) {
    case "play": return togglePlay();
    case "back": return seek(audio.currentTime - SEEK_STEP);
    case "forward": return seek(audio.currentTime + SEEK_STEP);
    case "slower": return setRate(-RATE_STEP);
    case "faster": return setRate(RATE_STEP);
    case "help": { const h = $(".pe-help"); h.hidden = !h.hidden; return; }
    case "find": return openFind();
    case "closeFind": $(".pe-find").hidden = true; return docEl.focus();
    case "prevSeg": return selectSegment(Math.max(0, i - 1));
    case "nextSeg": return selectSegment(Math.min(st.doc.length - 1, i + 1));
    case "nextUnsure": return jumpUnsure(1);
    case "prevUnsure": return jumpUnsure(-1);
    case "undo": case "redo": await flush(); return call(name, {});
    case "replaceAll": await flush(); return call("replace", { find: $(".pe-find-text").value, replace: $(".pe-replace-text").value });
  }
  if (!seg) return toast(tr("no_selection"), "error");
  switch (name) {
    case "mark": return markReviewed(i, seg);
    case "split": {
      const offset = st.caret && st.caret.i === i ? st.caret.offset : null;
      if (offset === null) return toast(tr("ed_split_edge"), "error");
      await save(i);
      return call("split", { i, offset: Math.min(offset, st.doc[i].t.length) });
    }
    case "merge": await flush(); return call("merge", { i });
    case "delete": return call("delete", { i });
    case "times": {
      const start = parseClock($(".pe-start").value), end = parseClock($(".pe-end").value);
      if (isNaN(start) || isNaN(end)) return toast(tr("ed_bad_time"), "error");
      return call("times", { i, start, end });
    }
  }
}

async function markReviewed(i, seg) {
  await save(i);
  const value = !st.doc[i].r;
  const answer = await call("reviewed", { i, value });
  if (answer && value && i + 1 < st.doc.length) {
    if (typing(document.activeElement)) document.activeElement.blur();
    selectSegment(i + 1);
    docEl.focus({ preventScroll: true });
  }
}

function flush() {
  // saves the segment being typed in before an action that needs the store to have it
  const i = indexOfEl(document.activeElement);
  return i >= 0 ? save(i) : Promise.resolve(null);
}

function jumpUnsure(step) {
  if (!st.index) buildIndex();
  const refs = st.index.refs;
  if (!refs.length) return toast(tr("ed_no_unsure"), "warn");
  const here = st.sel ? refs.findIndex(([i, k]) => i === st.sel.i && k === st.sel.k) : -1;
  let from = here;
  if (here < 0) {  // from the chosen segment, or from the word being played
    const at = st.cur >= 0 ? st.doc[st.cur].s : audio.currentTime;
    from = step > 0 ? refs.findIndex(([i]) => st.doc[i].s >= at) - 1 : refs.findIndex(([i]) => st.doc[i].s >= at);
    if (from < -1) from = refs.length - 1;
  }
  for (let n = 1; n <= refs.length; n++) {
    const j = (((from + step * n) % refs.length) + refs.length) % refs.length;
    const [i, k] = refs[j];
    if (st.doc[i].units[k].u && !st.doc[i].r) { if (typing(document.activeElement)) document.activeElement.blur(); return selectWord(i, k); }
  }
  toast(tr("ed_no_unsure"), "warn");
}

function caretOffset(textEl) {
  const s = window.getSelection();
  if (!s.rangeCount || !textEl.contains(s.anchorNode)) return null;
  const r = document.createRange();
  r.selectNodeContents(textEl);
  r.setEnd(s.anchorNode, s.anchorOffset);
  return r.toString().length;
}

function editCurrent() {
  const seg = st.doc[st.cur];
  if (!seg) return selectSegment(0);
  const textEl = seg.el.querySelector(".pe-text");
  textEl.focus();
  const range = document.createRange();
  if (st.sel && st.sel.i === st.cur) range.selectNodeContents(st.sel.el); else { range.selectNodeContents(textEl); range.collapse(true); }
  const s = window.getSelection();
  s.removeAllRanges();
  s.addRange(range);
}

// ---- find and replace -------------------------------------------------------------------------
function openFind() {
  const row = $(".pe-find");
  row.hidden = false;
  const input = $(".pe-find-text");
  input.focus();
  input.select();
  findCount();
}

function findCount() {
  const needle = $(".pe-find-text").value.toLowerCase();
  st.hits = [];
  let n = 0;
  if (needle) st.doc.forEach((seg, i) => {
    const c = seg.t.toLowerCase().split(needle).length - 1;
    if (c) { st.hits.push(i); n += c; }
  });
  $(".pe-count").textContent = needle ? tr("ed_found", { n }) : "";
  return n;
}

function findNext() {
  if (!findCount()) return;
  const next = st.hits.find((i) => i > st.cur);
  root.querySelectorAll(".pe-hit").forEach((el) => el.classList.remove("pe-hit"));
  const i = next === undefined ? st.hits[0] : next;
  selectSegment(i);
  st.doc[i].el.querySelector(".pe-text").classList.add("pe-hit");
}

$(".pe-find-text").addEventListener("input", findCount);
$(".pe-find-text").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); findNext(); } });
$(".pe-replace-text").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); act("replaceAll"); } });

// ---- mouse -------------------------------------------------------------------------------------
root.addEventListener("mousedown", (e) => { if (e.target.closest(".pe-btn")) e.preventDefault(); }); // the caret stays
root.addEventListener("click", (e) => {
  const btn = e.target.closest("[data-act]");
  if (btn) { if (!btn.disabled) act(btn.dataset.act); return; }
  const word = e.target.closest(".w");
  const i = indexOfEl(e.target);
  if (i < 0) return;
  if (i !== st.cur) markCurrent(i);
  if (word && st.doc[i].units) {
    clearSel();
    audio.currentTime = st.doc[i].units[Number(word.dataset.k)].s;
    audio.play().catch(() => {});
  } else if (e.target.closest(".pe-meta")) {
    seek(st.doc[i].s);
  }
});
for (const sel of [".pe-start", ".pe-end"]) {
  $(sel).addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); act("times"); } });
}
$(".pe-follow").addEventListener("change", (e) => { st.follow = e.target.checked; });
$(".pe-speaker").addEventListener("change", (e) => { if (st.cur >= 0) call("speaker", { i: st.cur, speaker: e.target.value }); });
docEl.addEventListener("focusin", (e) => {
  const i = indexOfEl(e.target);
  if (i >= 0 && i !== st.cur) markCurrent(i);
});
docEl.addEventListener("focusout", (e) => {
  if (!e.target.classList || !e.target.classList.contains("pe-text")) return;
  const i = indexOfEl(e.target);
  if (i >= 0) save(i);
});
document.addEventListener("selectionchange", () => {
  const s = window.getSelection();
  const node = s.anchorNode && (s.anchorNode.nodeType === 1 ? s.anchorNode : s.anchorNode.parentElement);
  const textEl = node && node.closest ? node.closest(".pe-text") : null;
  if (!textEl || !root.contains(textEl)) return;
  const i = indexOfEl(textEl);
  st.caret = { i, offset: caretOffset(textEl) };
  updateButtons();
});

// ---- keyboard ----------------------------------------------------------------------------------
function typing(el) {
  return !!el && root.contains(el) && (el.isContentEditable || el.tagName === "INPUT" || el.tagName === "TEXTAREA");
}

const ANYWHERE = {
  "ctrl+ ": "play", "alt+arrowleft": "back", "alt+arrowright": "forward", "alt+arrowdown": "slower",
  "alt+arrowup": "faster", "ctrl+arrowup": "prevSeg", "ctrl+arrowdown": "nextSeg", "ctrl+enter": "mark",
  "ctrl+.": "nextUnsure", "ctrl+,": "prevUnsure", "ctrl+f": "find", "ctrl+h": "find", "ctrl+m": "merge",
  "ctrl+shift+k": "delete", "f1": "help", "ctrl+/": "help",
};
const READING = {
  " ": "play", "arrowleft": "back", "arrowright": "forward", "-": "slower", "+": "faster", "=": "faster",
  "arrowup": "prevSeg", "arrowdown": "nextSeg", "r": "mark", "n": "nextUnsure", "shift+n": "prevUnsure",
  "?": "help", "shift+?": "help",
};

function chord(e) {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key.toLowerCase();
  return (e.ctrlKey || e.metaKey ? "ctrl+" : "") + (e.altKey ? "alt+" : "") + (e.shiftKey && key.length > 1 || e.shiftKey && /[a-z]/.test(key) || key === "?" ? "shift+" : "") + key;
}

function onKey(e) {
  if (!st.tid) return;
  const target = e.target;
  const inside = target === document.body || root.contains(target);
  if (!inside) return;
  const c = chord(e), t = typing(target), inText = t && target.classList.contains("pe-text");
  if (c === "ctrl+z" || c === "ctrl+shift+z" || c === "ctrl+y") {
    if (inText && dirty(st.doc[indexOfEl(target)])) return; // the browser undoes the typing not yet saved
    e.preventDefault();
    return act(c === "ctrl+z" ? "undo" : "redo");
  }
  if (c === "escape") {
    if (t) { target.blur(); docEl.focus({ preventScroll: true }); } else { $(".pe-find").hidden = true; $(".pe-help").hidden = true; }
    return e.preventDefault();
  }
  if (inText && (c === "enter" || c === "shift+enter")) { e.preventDefault(); return act("split"); }
  let name = ANYWHERE[c];
  if (!name && !t) {
    if (c === "enter") { e.preventDefault(); return editCurrent(); }
    if (c === "f") { const box = $(".pe-follow"); box.checked = !box.checked; st.follow = box.checked; return e.preventDefault(); }
    name = READING[c];
  }
  if (!name) return;
  e.preventDefault();
  act(name);
}
document.addEventListener("keydown", onKey);

// ---- messages from Python ------------------------------------------------------------------------
function receive(msg) {
  if (!msg || typeof msg !== "object") return;
  if (msg.lang && msg.lang !== st.lang) { st.lang = msg.lang; relabel(); }
  if (msg.kind === "open") openDoc(msg);
  else if (msg.kind === "append") appendSegments(msg);
  else if (msg.kind === "status" && msg.tid === st.tid) {
    st.running = !!msg.running;
    root.dataset.running = st.running ? "1" : "0";
    refresh();
  }
}

relabel();
receive(props.value);
watch("value", () => receive(props.value));
