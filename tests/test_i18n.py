"""The interface is zh-Hans by default: every string has a translation and the compiled catalogue is current."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "src" / "dealerkpi" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated() -> None:
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert missing == []


def test_compiled_catalogue_matches_the_source() -> None:
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(LOCALE / "django.po")) if e.translated()}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(LOCALE / "django.mo")) if e.msgid}
    assert compiled == source, "run `make messages` to compile the catalogue"
