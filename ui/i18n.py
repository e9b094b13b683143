"""The app's words in Slovenian (the default) and English.

Gradio's own gr.I18n picks the language from the browser and knows no Slovenian, so the app keeps
its own table and re-labels its components when the reviewer switches (see ui.layout.Labels).
"""

from __future__ import annotations

LANGUAGES = {"sl": "Slovenščina", "en": "English"}
DEFAULT = "sl"

TEXTS: dict[str, tuple[str, str]] = {  # key: (sl, en)
    "title": ("Prepis: slovenski govor v pregledan besedilni zapis",
              "Prepis: Slovenian speech to a reviewed transcript"),
    "language": ("Jezik", "Language"),
    "mine": ("Moji prepisi", "My transcripts"),
    "mine_empty": ("Tu bodo vaši prepisi.", "Your transcripts will appear here."),
    "mine_hint": ("Kliknite prepis, da ga odprete.", "Click a transcript to open it."),
    "refresh": ("Osveži", "Refresh"),
    "delete": ("Izbriši odprti prepis", "Delete the open transcript"),
    "upload": ("Naloži zvok ali video", "Upload audio or video"),
    "record": ("… ali posnemi z mikrofonom", "… or record with the microphone"),
    "settings": ("Nastavitve", "Settings"),
    "where": ("Kje naj teče", "Where it runs"),
    "where_local": ("Ta računalnik", "This machine"),
    "where_runpod": ("RunPod", "RunPod"),
    "model": ("Model", "Model"),
    "readable": ("Berljivo besedilo: ločila, velike začetnice, števila s števkami",
                 "Readable text: punctuation, capitals, numbers as digits"),
    "start": ("Začni prepis", "Start transcribing"),
    "cancel": ("Prekliči", "Cancel"),
    "progress": ("Napredek", "Progress"),
    "player": ("Predvajalnik", "Player"),
    "table": ("Segmenti: kliknite vrstico za poslušanje, dvakrat kliknite besedilo ali čas za popravek",
              "Segments: click a row to listen, double-click a text or time to correct it"),
    "col_n": ("#", "#"),
    "col_start": ("Začetek", "Start"),
    "col_end": ("Konec", "End"),
    "col_text": ("Besedilo", "Text"),
    "col_unsure": ("Negotove besede (?)", "Uncertain words (?)"),
    "col_reviewed": ("Pregledano", "Reviewed"),
    "next_unsure": ("Naslednja negotova beseda ⚠", "Next uncertain word ⚠"),
    "mark": ("Označi kot pregledano ✓", "Mark reviewed ✓"),
    "unmark": ("Odznači pregledano", "Mark not reviewed"),
    "segment": ("Izbrani segment (negotove besede z »?«)", "Selected segment (uncertain words marked “?”)"),
    "download": ("Prenos", "Download"),
    "format": ("Oblika", "Format"),
    "make_file": ("Pripravi datoteko", "Prepare the file"),
    "file": ("Datoteka", "File"),
    "yes": ("✓ da", "✓ yes"),
    "share": ("Pregledanih segmentov: **{done} od {total}** ({pct} %)",
              "Segments reviewed: **{done} of {total}** ({pct} %)"),
    "no_transcript": ("Ni odprtega prepisa. Naložite posnetek ali odprite enega od svojih prepisov.",
                      "No transcript is open. Upload a recording or open one of your transcripts."),
    "no_audio": ("Najprej naložite posnetek ali posnemite zvok.", "Upload a recording or record some audio first."),
    "no_selection": ("Najprej izberite segment v tabeli.", "Choose a segment in the table first."),
    "no_unsure": ("Ni negotovih besed.", "There are no uncertain words."),
    "busy": ("Prepis še teče; popravke lahko vnesete, ko se konča.",
             "The transcription is still running; you can correct it when it is done."),
    "bad_time": ("Čas »{value}« ni veljaven: uporabite sekunde ali m:ss.ss, začetek pred koncem.",
                 "The time “{value}” is not valid: use seconds or m:ss.ss, start before end."),
    "saved": ("Shranjeno ob {time} ✓ (popravkov: {count})", "Saved at {time} ✓ ({count} edits)"),
    "decoding": ("Berem posnetek …", "Reading the recording …"),
    "waiting_model": ("Pripravljam model …", "Preparing the model …"),
    "running": ("Prepisujem: {done} od {total} ({pct} %), končanih delov: {chunks}",
                "Transcribing: {done} of {total} ({pct} %), parts done: {chunks}"),
    "left": (", še približno {left}", ", about {left} left"),
    "done": ("Končano. Segmentov: {segments}, čas prepisa: {secs} s.",
             "Done. Segments: {segments}, time taken: {secs} s."),
    "cancelling": ("Ustavljam prepis …", "Stopping the transcription …"),
    "cancelled": ("Prepis je preklican; kar je bilo prepisanega, je shranjeno.",
                  "Transcription cancelled; what was transcribed so far is saved."),
    "status_running": ("teče", "running"),
    "status_done": ("končano", "done"),
    "status_cancelled": ("preklicano", "cancelled"),
    "status_failed": ("napaka", "failed"),
    "status_interrupted": ("prekinjeno", "interrupted"),
    "model_ready": ("Model **{name}** je pripravljen ({where}).", "Model **{name}** is ready ({where})."),
    "model_loading": ("Nalagam model **{name}** …", "Loading model **{name}** …"),
    "model_download": ("Prenašam model **{name}**: {done} od {total} MB …",
                       "Downloading model **{name}**: {done} of {total} MB …"),
    "model_error": ("Modela ni bilo mogoče pripraviti: {error}", "The model could not be prepared: {error}"),
    "runpod_ready": ("Prepisovanje teče na RunPodu.", "Transcription runs on RunPod."),
    "unexpected": ("Nepričakovana napaka (sklic {ref} v dnevniku strežnika).",
                   "Unexpected error (reference {ref} in the server's log)."),
    "not_found": ("Tega prepisa ni (več).", "This transcript does not exist (any more)."),
}


def t(lang: str, key: str, **values) -> str:
    """The text of `key` in `lang` (falls back to Slovenian), with `values` filled in."""
    sl, en = TEXTS[key]
    text = en if lang == "en" else sl
    return text.format(**values) if values else text


def clock(seconds: float) -> str:
    """62.5 -> '1:02.50'; 3723 -> '1:02:03.00'."""
    cs = max(0, round(seconds * 100))
    hours, cs = divmod(cs, 360_000)
    minutes, cs = divmod(cs, 6000)
    secs = cs / 100
    return f"{hours}:{minutes:02d}:{secs:05.2f}" if hours else f"{minutes}:{secs:05.2f}"


def parse_clock(text: str) -> float:
    """'1:02.5', '62.5', '1:02:03' or '62,5' -> seconds; ValueError if it is none of these."""
    parts = str(text).strip().replace(",", ".").split(":")
    if not 1 <= len(parts) <= 3 or any(p.strip() == "" for p in parts):
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    if seconds < 0 or seconds != seconds:
        raise ValueError(text)
    return seconds


def duration_words(seconds: float) -> str:
    """A short human duration: '45 s', '3 min 20 s', '1 h 05 min'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
