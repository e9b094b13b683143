"""Render the DOCX export of a short interview to PNG, to look at it as a newsroom would print it.

    python tools/render_docx.py [--lang sl|en] [--layout table|paragraphs] [--out docs/screenshots/docx-export.png]

Needs LibreOffice Writer (`soffice`) and poppler's `pdftoppm` (Debian: libreoffice-writer poppler-utils).
The interview is made up here: two speakers, readable text mapped to raw words, a few uncertain words,
one segment corrected by the reviewer.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr.exports import ExportOptions, export, format_date  # noqa: E402
from asr.types import AudioInfo, ModelInfo, Segment, Token, Transcript, TranscriptionInfo, Word  # noqa: E402

DPI = 80
LINES = [  # (speaker, readable text, confidence of each word, reviewed)
    ("Voditeljica", "Dober dan in dobrodošli v oddaji o energiji.", None, True),
    ("Gost", "Hvala za povabilo, z veseljem sem prišel.", None, True),
    ("Voditeljica", "Kako bo vlada ukrepala glede cen elektrike to zimo?", None, False),
    ("Gost", "Ministrica je dejala, da bodo gospodinjstva dobila pomoč pri plačilu računov.",
     {6: 0.31, 7: 0.42}, False),
    ("Gost", "Podjetja pa se bodo morala prilagoditi novim razmeram na trgu.", {9: 0.28}, False),
    ("Voditeljica", "Prebivalci Maribora opozarjajo na visoke stroške ogrevanja.", {1: 0.35}, True),
]


def interview() -> Transcript:
    segments, t = [], 0.4
    for i, (speaker, text, unsure, reviewed) in enumerate(LINES):
        tokens = text.split()
        words = []
        for k, token in enumerate(tokens):
            raw = token.strip(",.?!").lower()
            seconds = 0.06 * len(raw) + 0.08
            words.append(Word(raw, round(t, 3), round(t + seconds, 3), (unsure or {}).get(k, 0.93)))
            t += seconds + 0.05
        segments.append(Segment(i, words[0].start, words[-1].end, text, words, reviewed, speaker,
                                [Token(tok, k, k) for k, tok in enumerate(tokens)]))
        t += 0.9
    info = TranscriptionInfo(AudioInfo("intervju-energija.mp3", round(t, 3)), ModelInfo("rsdo-2.0"), "local-cpu")
    return Transcript(segments, info)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="sl", choices=["sl", "en"])
    parser.add_argument("--layout", default="table", choices=["table", "paragraphs"])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots/docx-export.png"))
    args = parser.parse_args()
    options = ExportOptions(lang=args.lang, docx=args.layout, date=format_date(date.today(), args.lang))
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / "prepis.docx"
        docx.write_bytes(export(interview(), "docx", options))
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(docx)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-singlefile", str(Path(tmp) / "prepis.pdf"),
                        str(Path(tmp) / "page")], check=True, timeout=120)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "page.png", args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
