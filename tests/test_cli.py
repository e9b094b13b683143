"""`python -m asr` as a user runs it: files written, text on stdout, errors as one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import AUDIO

from asr.backends import LocalBackend
from asr.engine import Engine
from asr.pipeline import transcribe

CLIP = AUDIO / "wav16k_mono.wav"


def api_text(tiny_model) -> str:
    return transcribe(LocalBackend(Engine(tiny_model, "tiny-sl", "cpu")), CLIP).text


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "asr", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_transcribe_to_several_formats(tmp_path, tiny_model):
    result = run_cli("transcribe", CLIP, "--model", tiny_model, "--format", "srt,json", "-f", "txt",
                     "-o", tmp_path / "intervju.srt", "--quiet")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "intervju.json").read_text(encoding="utf-8"))
    assert data["text"] == api_text(tiny_model) != ""
    assert data["model"]["name"] == "tiny-sl" and data["audio"]["filename"] == CLIP.name
    assert (tmp_path / "intervju.txt").read_text(encoding="utf-8").split() == data["text"].split()
    srt = (tmp_path / "intervju.srt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:0") and " --> " in srt
    assert result.stdout == ""


def test_plain_text_to_stdout_with_progress_on_stderr(tiny_model):
    result = run_cli("transcribe", CLIP, "--model", tiny_model)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == api_text(tiny_model).split()
    assert "100%" in result.stderr


def test_bad_input_is_one_clear_line(tmp_path, tiny_model):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all")
    result = run_cli("transcribe", bad, "--model", tiny_model, "--quiet")
    assert result.returncode == 1
    assert "error: notes.wav is not an audio or video file that can be read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_file_is_skipped_and_the_next_one_is_done(tmp_path, tiny_model):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio at all")
    result = run_cli("transcribe", bad, CLIP, "--model", tiny_model, "--format", "json", "-o", tmp_path / "x.json",
                     "--precision", "fp32", "--quiet")
    assert result.returncode == 1 and "error: notes.wav is not an audio" in result.stderr
    data = json.loads((tmp_path / f"{CLIP.stem}.json").read_text(encoding="utf-8"))
    assert data["text"] == api_text(tiny_model) and data["precision"] == "fp32"


def test_unknown_model_says_what_exists(tmp_path):
    result = run_cli("transcribe", CLIP, "--model", "whisper-large", "--quiet")
    assert result.returncode == 2
    assert "rsdo-2.0, protoverb-1.0" in result.stderr and "Traceback" not in result.stderr


def test_export_a_reviewed_transcript_with_its_audio(tmp_path, tiny_model):
    import zipfile

    from docx import Document

    result = run_cli("transcribe", CLIP, "--model", tiny_model, "-f", "json", "-o", tmp_path / "t.json", "--quiet")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    data["segments"][0]["reviewed"] = True
    (tmp_path / "t.json").write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("export", tmp_path / "t.json", "-f", "manifest,docx,TextGrid", "--audio", CLIP,
                     "--export-options", '{"lang": "en", "date": "1 May 2026"}', "-o", tmp_path / "out" / "x")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "out" / "x.manifest.zip") as z:
        assert json.loads(z.read("manifest.json"))["text"] == " ".join(w["word"] for w in data["segments"][0]["words"])
    paragraphs = [p.text for p in Document(str(tmp_path / "out" / "x.docx")).paragraphs]
    assert paragraphs[:2] == [f"Transcript: {CLIP.name}", "Date: 1 May 2026"]
    assert 'class = "IntervalTier"' in (tmp_path / "out" / "x.TextGrid").read_text(encoding="utf-8")


def test_export_options_are_checked(tmp_path):
    (tmp_path / "t.json").write_text('{"segments": []}', encoding="utf-8")
    result = run_cli("export", tmp_path / "t.json", "-f", "srt", "--export-options", '{"subtitles": "tv"}')
    assert result.returncode == 2
    assert "subtitles='tv' is not allowed: use one of streaming, broadcast" in result.stderr
def test_align_a_script_to_srt_and_json(tmp_path, tiny_model):
    from helpers import load_truth, word_time_errors

    truth = load_truth(CLIP.with_suffix(".json"))
    script = tmp_path / "script.txt"
    script.write_text(truth["text"].capitalize() + ".\n", encoding="utf-8")
    result = run_cli("align", CLIP, script, "--model", tiny_model, "--format", "srt,json", "-o", tmp_path / "out",
                     "--quiet")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    words = [w for s in data["segments"] for w in s["words"]]
    assert [w["word"] for w in words] == truth["text"].split()
    start, end, n = word_time_errors(truth["words"], words)
    assert n == len(words) and start <= 0.020 and end <= 0.110
    assert (tmp_path / "out.srt").read_text(encoding="utf-8").startswith("1\n00:00:00,")
    missing = run_cli("align", CLIP, tmp_path / "none.txt", "--model", tiny_model, "--quiet")
    assert missing.returncode == 2 and "none.txt could not be read" in missing.stderr
