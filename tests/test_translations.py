"""Chinese first: every message catalogue in the project is complete — no empty or fuzzy entries."""

import re
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO = "locale/zh_Hans/LC_MESSAGES/django.po"
CATALOGUES = sorted([*ROOT.glob(PO), *ROOT.glob(f"minsheng/*/{PO}")])


def entries(text: str):
    for block in text.split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if not msgid or not msgstr:
            continue
        key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        value = "".join(re.findall(r'"(.*)"', msgstr.group(1)))
        if key:
            yield key, value, "#, fuzzy" in block or ", fuzzy" in block


def test_there_are_catalogues():
    assert CATALOGUES, "no zh_Hans catalogue found"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_chinese_translation(catalogue):
    problems = [key for key, value, fuzzy in entries(catalogue.read_text(encoding="utf-8")) if not value or fuzzy]
    assert not problems, f"{catalogue.relative_to(ROOT)}: untranslated or fuzzy: {problems[:10]}"


def test_the_default_language_is_simplified_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        from minsheng.org.choices import Role

        assert str(Role.DISPATCHER.label) == "派单员"
