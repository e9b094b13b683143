"""The launched app through gradio_client: /transcribe gives the core's words and times, /align a known text's,
/export every format.

One app (`python app.py`, fixture model) serves the module; a second one checks login and that the RunPod
key never reaches the browser.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
import zipfile

import pytest
import srt
from app_server import REPO, AppServer
from conftest import AUDIO
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from asr.backends import LocalBackend
from asr.engine import Engine
from asr.exports import FORMATS, ExportOptions, export, extension
from asr.pipeline import transcribe
from asr.types import Transcript

CLIP = AUDIO / "wav16k_mono.wav"
VIDEO = AUDIO / "video.mp4"
TIME_TOLERANCE = 0.001  # seconds: the same model on the same machine gives the same times


@pytest.fixture(scope="module")
def client(app):
    return Client(app.url, verbose=False)


@pytest.fixture(scope="module")
def core(model):
    backend = LocalBackend(Engine(model, model.stem, "cpu"))
    return {clip: transcribe(backend, clip) for clip in (CLIP, VIDEO)}


@pytest.fixture(scope="module")
def api_result(client):
    return client.predict(handle_file(str(CLIP)), api_name="/transcribe")


def test_the_named_endpoints_are_documented_and_the_ui_events_are_not(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/transcribe", "/align", "/export"}


@pytest.mark.parametrize("clip", [CLIP, VIDEO], ids=["wav", "mp4"])
def test_transcribe_gives_the_core_words_and_times(client, core, api_result, clip):
    result = api_result if clip == CLIP else client.predict(handle_file(str(clip)), api_name="/transcribe")
    expected = core[clip]
    got = Transcript.from_dict(result)
    assert got.words, "the fixture clip has speech"
    assert [w.word for w in got.words] == [w.word for w in expected.words]
    for g, e in zip(got.words, expected.words, strict=True):
        assert abs(g.start - e.start) <= TIME_TOLERANCE and abs(g.end - e.end) <= TIME_TOLERANCE, (g, e)
    assert [(s.start, s.end, s.text) for s in got.segments] == [(s.start, s.end, s.text) for s in expected.segments]
    assert result["text"] == expected.text
    assert result["audio"]["filename"] == clip.name and result["audio"]["sha256"] == expected.info.audio.sha256
    assert result["model"] == expected.info.model.to_dict() and result["backend"] == "local-cpu"
    assert (result["device"], result["precision"]) == ("cpu", "fp32")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "manifest"])
def test_export_gives_the_core_bytes(client, api_result, fmt):
    path = client.predict(api_result, fmt, api_name="/export")
    assert path.endswith(f"wav16k_mono.{extension(fmt)}")
    with open(path, "rb") as f:
        assert f.read() == export(Transcript.from_dict(api_result), fmt)


def test_export_takes_any_case_and_options(client, api_result):
    options = {"subtitles": "broadcast", "lang": "en", "txt": "timed"}
    for fmt in ("SRT", "Txt"):
        with open(client.predict(api_result, fmt, options, api_name="/export"), "rb") as f:
            assert f.read() == export(Transcript.from_dict(api_result), fmt, ExportOptions(**options))


def test_training_manifest_through_the_api_cuts_the_given_audio(client, api_result):
    reviewed = json.loads(json.dumps(api_result))
    for segment in reviewed["segments"]:
        segment["reviewed"] = True
    path = client.predict(reviewed, "manifest", None, handle_file(str(CLIP)), api_name="/export")
    assert path.endswith("wav16k_mono.manifest.zip")
    with zipfile.ZipFile(path) as z:
        lines = [json.loads(line) for line in z.read("manifest.json").decode("utf-8").splitlines()]
        # accepted as recognised: the manifest trains on the raw words, not on their readable rendering
        raw = [" ".join(w["word"] for w in s["words"]) for s in reviewed["segments"]]
        assert [line["text"] for line in lines] == raw
        assert all(z.getinfo(line["audio_filepath"]).file_size > 44 for line in lines)
    with pytest.raises(AppError, match="needs the recording"):
        client.predict(reviewed, "manifest", api_name="/export")


def test_export_reflects_an_edited_transcript(client, api_result):
    edited = json.loads(json.dumps(api_result))
    edited["segments"][0]["text"] = "popravljeno besedilo"
    with open(client.predict(edited, "srt", api_name="/export"), encoding="utf-8") as f:
        shown = " ".join(cue.content.replace("\n", " ") for cue in srt.parse(f.read()))
    assert shown.split()[:2] == ["popravljeno", "besedilo"]  # spread over the segment's time: maybe two cues


def test_errors_are_plain_messages(client, tmp_path):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not audio")
    with pytest.raises(AppError) as info:
        client.predict(handle_file(str(not_audio)), api_name="/transcribe")
    assert "not an audio or video file" in str(info.value) and "Traceback" not in str(info.value)
    with pytest.raises(AppError, match="Unknown format 'pdf'; choose one of txt, srt"):
        client.predict({"segments": []}, "pdf", api_name="/export")
    with pytest.raises(AppError, match="Unknown export option 'colour'"):
        client.predict({"segments": []}, "srt", {"colour": "red"}, api_name="/export")
    with pytest.raises(AppError, match=r"The transcript's segments\[0\].id must be a whole number"):
        client.predict({"segments": [{"text": "x"}]}, "srt", api_name="/export")


def test_login_upload_limit_and_the_runpod_key_stays_on_the_server(tmp_path, model):
    key = "rp-secret-key-1234567890"
    with AppServer(tmp_path, model, PREPIS_USERS="ana:geslo-ena,bor:geslo-dve", RUNPOD_API_KEY=key,
                   RUNPOD_ENDPOINT_ID="endpoint-x", PREPIS_MAX_FILE_SIZE="100kb") as server:
        with pytest.raises(Exception):  # noqa: B017 (gradio_client raises a plain ValueError on a refused login)
            Client(server.url, verbose=False, auth=("ana", "wrong"))
        client = Client(server.url, verbose=False, auth=("ana", "geslo-ena"))
        assert "/transcribe" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        config = client.config
        assert key not in json.dumps(config)
        with urllib.request.urlopen(server.url) as page:  # the login page
            assert key not in page.read().decode()
        where = next(c for c in config["components"] if c.get("props", {}).get("elem_id") == "where")
        assert where["props"]["visible"] is True, "with RunPod configured the reviewer may choose it"
        with pytest.raises(Exception, match="(?i)size|large|413"):  # noqa: B017 (the operator's upload limit)
            client.predict(handle_file(str(CLIP)), api_name="/transcribe")


def test_the_readme_example_works_as_written(app, monkeypatch, tmp_path, capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Web app", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shutil.copyfile(CLIP, tmp_path / "intervju.mp3")  # the name the example uses (any format is read)
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("http://127.0.0.1:7860/", app.url), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "popravljeno" in printed and "besedilo" in printed and "-->" in printed  # maybe in two cues


def test_align_gives_the_script_its_true_times(client, model):
    from helpers import load_truth, word_time_errors

    from asr.script import align_recording

    truth = load_truth(CLIP.with_suffix(".json"))
    words = truth["text"].split()
    script = " ".join(words[:6]).capitalize() + ".\n\n" + " ".join(words[6:]) + "."
    data = client.predict(handle_file(str(CLIP)), script, api_name="/align")
    result = Transcript.from_dict(data)
    assert result.segments[0].text.startswith(words[0].capitalize())
    assert " ".join(s.text for s in result.segments).split() == script.split()
    assert [w.word for w in result.words] == words and all(w.aligned for w in result.words)
    start, end, n = word_time_errors(truth["words"], result.words)
    assert n == len(words) and start <= 0.020 and end <= 0.110
    core = align_recording(LocalBackend(Engine(model, model.stem, "cpu")), CLIP, script)
    assert [(w.start, w.end) for w in core.words] == [(w.start, w.end) for w in result.words]
    with pytest.raises(AppError, match="The script is empty"):
        client.predict(handle_file(str(CLIP)), "  ", api_name="/align")
