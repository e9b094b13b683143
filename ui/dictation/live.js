// The live dictation view: the body of gr.HTML's js_on_load (element, trigger, props, server, upload, watch).
// Record: the page records the microphone (an AudioWorklet) and, every props.send_every seconds, sends what it
// recorded since the last answered send to server.dictation_piece (one call at a time: a slow server delays the
// words, the audio waits here). Python's messages {id, lang, state, from, words: [[word, start, end]], pending,
// seconds, note}: final words from index `from` on, each added once and never changed; pending words grey.
// Stop: the rest is sent, then the stop_recording event saves the dictation.
const $ = (s) => element.querySelector(s);
const root = $(".pd"), text = $(".pd-text"), pending = $(".pd-pending"), note = $(".pd-note");
const recordBtn = $(".pd-record"), stopBtn = $(".pd-stop");
const texts = props.texts || {};
const st = { id: null, lang: "sl", final: 0, chunks: [], size: 0, busy: false, rate: 0, sent: 0,
             recording: false, stopping: false, ctx: null, stream: null, timer: null };
const STOP_WAIT = 120000;  // ms Stop waits for the server to take the rest of the audio
const WORKLET = `registerProcessor("pd-tap", class extends AudioWorkletProcessor {
  process(inputs) { const ch = inputs[0] && inputs[0][0]; if (ch) this.port.postMessage(ch.slice(0)); return true; }
});`;

function label() {
  const table = texts[st.lang] || texts.sl || {};
  element.querySelectorAll("[data-t]").forEach((e) => { e.textContent = table[e.dataset.t] || ""; });
  if (!st.id && !note.textContent) note.textContent = table.dict_hint || "";
}

function word(w, start, end) {
  const span = document.createElement("span");
  span.className = "pd-word";
  span.textContent = w;
  span.dataset.start = start;
  span.dataset.end = end;
  return span;
}

function show(m) {
  if (!m || typeof m !== "object") return;
  if (m.lang) { st.lang = m.lang; label(); }
  if (!("id" in m)) return;  // a change of language only
  if (m.id !== st.id) {  // a new dictation
    text.querySelectorAll(".pd-word").forEach((e) => e.remove());
    Array.from(text.childNodes).forEach((n) => { if (n.nodeType === Node.TEXT_NODE) n.remove(); });
    st.id = m.id; st.final = 0;
  }
  const words = m.words || [];
  for (let i = Math.max(0, st.final - (m.from || 0)); i < words.length; i++) {
    text.insertBefore(word(...words[i]), pending);
    text.insertBefore(document.createTextNode(" "), pending);
  }
  st.final = Math.max(st.final, (m.from || 0) + words.length);
  pending.textContent = (m.pending || []).join(" ");
  note.textContent = m.note || "";
  root.dataset.state = m.state || "idle";
  root.dataset.final = st.final;
  root.dataset.seconds = m.seconds || 0;
}

function take(limit) {  // up to `limit` samples recorded so far, as int16 in base64
  const n = Math.min(st.size, limit), out = new Int16Array(n);
  let at = 0;
  while (at < n) {
    const head = st.chunks[0], k = Math.min(head.length, n - at);
    for (let i = 0; i < k; i++) out[at + i] = Math.max(-32768, Math.min(32767, Math.round(head[i] * 32768)));
    at += k;
    if (k === head.length) st.chunks.shift(); else st.chunks[0] = head.subarray(k);
  }
  st.size -= n;
  let bin = "";
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return [btoa(bin), n];
}

async function send() {  // one call at a time; the samples leave the buffer only when the server has them
  if (st.busy || !st.id || !st.size) return;
  st.busy = true;
  const keep = st.chunks.slice(), kept = st.size;
  const [pcm, n] = take(Math.round(st.rate * (props.max_piece || 10)));
  try {
    show(await server.dictation_piece({ id: st.id, rate: st.rate, pcm, lang: st.lang }));
    st.sent += n;
    root.dataset.sent = (st.sent / st.rate).toFixed(3);
  } catch (e) {
    st.chunks = keep; st.size = kept;  // sent again with the next call
  } finally {
    st.busy = false;
  }
}

async function record() {
  if (st.recording) return;
  try {
    st.stream = await navigator.mediaDevices.getUserMedia(
      { audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
  } catch (e) {
    note.textContent = (texts[st.lang] || {}).dict_no_mic || String(e);
    return;
  }
  st.ctx = new AudioContext({ sampleRate: 16000 });
  await st.ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" })));
  const tap = new AudioWorkletNode(st.ctx, "pd-tap");
  tap.port.onmessage = (e) => {
    if (!st.recording) return;
    if (!st.size && !st.sent && !root.dataset.capture) root.dataset.capture = performance.now();  // first audio
    st.chunks.push(e.data); st.size += e.data.length;
  };
  st.ctx.createMediaStreamSource(st.stream).connect(tap);
  Object.assign(st, { rate: st.ctx.sampleRate, chunks: [], size: 0, sent: 0, id: null, recording: true });
  delete root.dataset.capture;
  recordBtn.disabled = true; stopBtn.disabled = false;
  st.timer = setInterval(send, 1000 * (props.send_every || 0.5));
  trigger("start_recording");  // Python makes the dictation; its first message brings the id
}

async function stop() {
  if (!st.recording || st.stopping) return;
  st.stopping = true; stopBtn.disabled = true;
  st.recording = false;
  st.stream.getTracks().forEach((t) => t.stop());
  await st.ctx.close();
  clearInterval(st.timer);
  const until = Date.now() + STOP_WAIT;
  while ((st.size || st.busy || !st.id) && Date.now() < until) {  // all that was recorded reaches the server
    await send();
    await new Promise((r) => setTimeout(r, 50));
  }
  st.stopping = false; recordBtn.disabled = false;
  trigger("stop_recording");
}

recordBtn.addEventListener("click", record);
stopBtn.addEventListener("click", stop);
label();
show(props.value);
watch("value", () => show(props.value));
