"""The Norwegian translation is complete and its compiled catalogue matches the source."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "nb" / "LC_MESSAGES"
HEADER = 'msgid ""\nmsgstr ""\n"'
EMPTY = re.compile(r'^msgstr(\[\d+\])? ""\n(?!")', re.MULTILINE)


def _entries(po: str) -> list[str]:
    return [block + "\n" for block in po.split("\n\n") if "msgid " in block and HEADER not in block]


def test_every_message_has_a_norwegian_translation_and_none_is_fuzzy() -> None:
    entries = _entries((LOCALE / "django.po").read_text(encoding="utf-8"))
    untranslated = [entry for entry in entries if EMPTY.search(entry)]
    fuzzy = [entry for entry in entries if "#, fuzzy" in entry]
    assert len(entries) > 300
    assert untranslated == [], f"{len(untranslated)} messages lack a translation: run `make messages`"
    assert fuzzy == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext's msgfmt")
def test_the_compiled_catalogue_matches_the_po_file(tmp_path: Path) -> None:
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(LOCALE / "django.po")], check=True)
    with (LOCALE / "django.mo").open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(compiled)._catalog, (
            "django.mo is out of date: run `make messages`"
        )
