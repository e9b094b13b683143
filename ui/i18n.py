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
    "dictation": ("Narek: besedilo sproti, medtem ko govorite", "Dictation: the text appears while you speak"),
    "dict_record": ("● Začni narek", "● Start dictating"),
    "dict_stop": ("■ Ustavi in shrani", "■ Stop and save"),
    "dict_no_mic": ("Mikrofon ni dosegljiv: dovolite ga brskalniku in poskusite znova.",
                    "The microphone cannot be used: allow it in the browser and try again."),
    "dict_hint": ("Pritisnite snemanje in govorite; sive besede se še odločajo. Ustavi shrani prepis z zvokom.",
                  "Press record and speak; grey words are still being decided. Stop saves the transcript with its "
                  "audio."),
    "dict_loading": ("Pripravljam model …", "Preparing the model …"),
    "dict_live": ("Posneto: {secs}", "Recorded: {secs}"),
    "dict_local": ("Narek teče na modelu tega računalnika (RunPod sprejema le cele posnetke).",
                   "Dictation runs on this machine's model (RunPod takes whole recordings only)."),
    "dict_saved": ("Narek je shranjen: {words} besed, {secs} zvoka. Odprt je spodaj v urejevalniku.",
                   "The dictation is saved: {words} words, {secs} of audio. It is open in the editor below."),
    "download": ("Prenos", "Download"),
    "format": ("Oblika", "Format"),
    "make_file": ("Pripravi datoteko", "Prepare the file"),
    "file": ("Datoteka", "File"),
    "no_transcript": ("Ni odprtega prepisa. Naložite posnetek ali odprite enega od svojih prepisov.",
                      "No transcript is open. Upload a recording or open one of your transcripts."),
    "no_audio": ("Najprej naložite posnetek ali posnemite zvok.", "Upload a recording or record some audio first."),
    "no_selection": ("Najprej izberite segment.", "Choose a segment first."),
    "no_next": ("Za tem segmentom ni nobenega več.", "There is no segment after this one."),
    "busy": ("Prepis še teče; končane segmente že lahko popravljate.",
             "The transcription is still running; finished segments can be corrected already."),
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
    # the reviewer's editor (ui/editor): its labels, its shortcuts' help, its messages
    "ed_empty": ("Ni odprtega prepisa. Naložite posnetek ali odprite enega od svojih prepisov.",
                 "No transcript is open. Upload a recording or open one of your transcripts."),
    "ed_running": ("Prepis še teče: končani segmenti se dodajajo spodaj in jih že lahko popravljate.",
                   "Still transcribing: finished segments are added below and can be corrected already."),
    "ed_play": ("Predvajaj / ustavi", "Play / pause"),
    "ed_back": ("Nazaj 3 s", "Back 3 s"),
    "ed_forward": ("Naprej 3 s", "Forward 3 s"),
    "ed_slower": ("Počasneje", "Slower"),
    "ed_faster": ("Hitreje", "Faster"),
    "ed_follow": ("Sledi zvoku", "Follow the audio"),
    "ed_help": ("Bližnjice", "Shortcuts"),
    "ed_find": ("Najdi in zamenjaj", "Find and replace"),
    "ed_find_ph": ("Najdi …", "Find …"),
    "ed_replace_ph": ("Zamenjaj z …", "Replace with …"),
    "ed_replace_all": ("Zamenjaj vse", "Replace all"),
    "ed_found": ("zadetkov: {n}", "matches: {n}"),
    "ed_replaced": ("Zamenjanih: {n}", "Replaced: {n}"),
    "ed_mark": ("Pregledano ✓ in naprej", "Reviewed ✓ and next"),
    "ed_unmark": ("Ni pregledano", "Not reviewed"),
    "ed_split": ("Razdeli pri kazalki", "Split at the caret"),
    "ed_merge": ("Združi z naslednjim", "Merge with the next"),
    "ed_delete": ("Izbriši segment", "Delete the segment"),
    "ed_speaker": ("Govorec", "Speaker"),
    "ed_start": ("Začetek", "Start"),
    "ed_end": ("Konec", "End"),
    "ed_apply": ("Uporabi", "Apply"),
    "ed_undo": ("Razveljavi", "Undo"),
    "ed_redo": ("Ponovi", "Redo"),
    "ed_prev_unsure": ("Prejšnja negotova beseda", "Previous uncertain word"),
    "ed_next_unsure": ("Naslednja negotova beseda", "Next uncertain word"),
    "ed_progress": ("Pregledano {done} od {total} ({pct} %) · negotovih besed: {unsure}",
                    "Reviewed {done} of {total} ({pct} %) · uncertain words: {unsure}"),
    "ed_saved": ("Shranjeno ✓", "Saved ✓"),
    "ed_unsure_word": ("negotova beseda", "uncertain word"),
    "ed_unheard": ("ni slišano tu", "not heard here"),
    "ed_reviewed": ("pregledano", "reviewed"),
    "ed_no_unsure": ("Ni (več) negotovih besed.", "There are no (more) uncertain words."),
    "ed_busy_reshape": ("Deliti, združevati, brisati in razveljavljati bo mogoče, ko se prepis konča.",
                        "Splitting, merging, deleting and undoing are possible when the transcription is done."),
    "ed_split_edge": ("Postavite kazalko med dve besedi segmenta.", "Put the caret between two words of the segment."),
    "ed_bad_time": ("Čas ni veljaven: uporabite sekunde ali m:ss.ss, začetek pred koncem, znotraj posnetka.",
                    "The time is not valid: use seconds or m:ss.ss, start before end, within the recording."),
    "ed_overlap": ("Pozor: segment se zdaj prekriva s sosednjim.", "Note: the segment now overlaps its neighbour."),
    "ed_find_empty": ("Vpišite, kaj naj najdem.", "Type what to find."),
    "ed_deleted": ("Prazen segment je izbrisan (razveljavite s Ctrl+Z).",
                   "The empty segment is deleted (undo with Ctrl+Z)."),
    "ed_nothing": ("Ni česa razveljaviti ali ponoviti.", "There is nothing to undo or redo."),
    "ed_offline": ("Strežnik se ne odziva; popravek ni shranjen. Poskusite znova.",
                   "The server does not answer; the change is not saved. Try again."),
    "ed_k_title": ("Bližnjice na tipkovnici", "Keyboard shortcuts"),
    "ed_k_anywhere": ("Povsod (tudi med tipkanjem)", "Anywhere (also while typing)"),
    "ed_k_reading": ("Ko ne tipkate", "When not typing"),
    "ed_k_play": ("predvajaj / ustavi", "play / pause"),
    "ed_k_seek": ("nazaj / naprej 3 s", "back / forward 3 s"),
    "ed_k_speed": ("počasneje / hitreje (0,5–2×)", "slower / faster (0.5–2×)"),
    "ed_k_segment": ("prejšnji / naslednji segment", "previous / next segment"),
    "ed_k_mark": ("pregledano in naslednji segment", "mark reviewed and go to the next"),
    "ed_k_unsure": ("naslednja / prejšnja negotova beseda", "next / previous uncertain word"),
    "ed_k_undo": ("razveljavi / ponovi", "undo / redo"),
    "ed_k_find": ("najdi in zamenjaj", "find and replace"),
    "ed_k_edit": ("uredi izbrani segment", "edit the chosen segment"),
    "ed_k_leave": ("zapusti segment (shrani) / zapri ploščo", "leave the segment (saves it) / close a panel"),
    "ed_k_split": ("razdeli segment pri kazalki", "split the segment at the caret"),
    "ed_k_merge": ("združi z naslednjim", "merge with the next"),
    "ed_k_delete": ("izbriši segment", "delete the segment"),
    "ed_k_follow": ("sledi zvoku vklop / izklop", "follow the audio on / off"),
    "ed_k_help": ("ta pomoč", "this help"),
}


def t(lang: str, key: str, **values) -> str:
    """The text of `key` in `lang` (falls back to Slovenian), with `values` filled in."""
    sl, en = TEXTS[key]
    text = en if lang == "en" else sl
    return text.format(**values) if values else text


def editor_texts() -> dict[str, dict[str, str]]:
    """The editor's words in every language, for the browser: {lang: {key: text}}."""
    keys = [k for k in TEXTS if k.startswith("ed_")]
    return {lang: {k: t(lang, k) for k in keys} for lang in LANGUAGES}


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
