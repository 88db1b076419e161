"""Chinese first: every message catalogue in the project is complete — no empty or fuzzy entries —
and the catalogues agree with each other.

Django merges the apps' catalogues into one, and for a message found in several the first app in
INSTALLED_APPS wins; the same English word meaning two things in two apps therefore needs a
context (pgettext, ``{% translate … context … %}``), and the same meaning needs the same Chinese.
"""

import re
from collections import defaultdict
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


def _field(block: str, name: str) -> str | None:
    found = re.search(rf"^{re.escape(name)} ((?:\".*\"\n?)+)", block, re.M)
    return None if found is None else "".join(re.findall(r'"(.*)"', found.group(1)))


def translations(text: str):
    """((context, msgid), Chinese) for each live entry with a translation; obsolete (#~) ones are skipped."""
    for block in text.split("\n\n"):
        block = "\n".join(line for line in block.splitlines() if not line.startswith("#~"))
        msgid = _field(block, "msgid")
        if not msgid:
            continue
        if _field(block, "msgid_plural") is None:
            chinese = _field(block, "msgstr")
        else:
            chinese = " | ".join(form for n in range(10) if (form := _field(block, f"msgstr[{n}]")) is not None)
        if chinese:
            yield (_field(block, "msgctxt"), msgid), chinese


def collisions(catalogues: dict[str, str]) -> list[str]:
    """The (context, msgid) pairs that two catalogues translate differently, one line each."""
    seen: dict[tuple, dict[str, str]] = defaultdict(dict)
    for name, text in catalogues.items():
        for key, chinese in translations(text):
            seen[key][name] = chinese
    return [
        f"{context or ''}|{msgid}: " + ", ".join(f"{name}={chinese}" for name, chinese in sorted(by_app.items()))
        for (context, msgid), by_app in sorted(seen.items(), key=lambda item: (item[0][1], item[0][0] or ""))
        if len(set(by_app.values())) > 1
    ]


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


def test_the_same_message_has_the_same_chinese_in_every_app():
    catalogues = {str(path.relative_to(ROOT)).removesuffix(PO).rstrip("/") or "locale": path.read_text(encoding="utf-8")
                  for path in CATALOGUES}
    offenders = collisions(catalogues)
    assert not offenders, (
        "the same (context, msgid) has different Chinese in two catalogues; give the usages a context "
        "(pgettext, {% translate … context … %}) or make the catalogues agree:\n" + "\n".join(offenders))


def test_a_collision_is_found_and_a_context_tells_the_messages_apart():
    appeals = 'msgid "Lead unit"\nmsgstr "主办单位"\n\nmsgid "Code"\nmsgstr "编号"\n'
    projects = ('msgid "Lead unit"\nmsgstr "牵头单位"\n\nmsgctxt "project"\nmsgid "Code"\nmsgstr "编码"\n\n'
                '#~ msgid "Code"\n#~ msgstr "编码"\n')

    assert collisions({"appeals": appeals, "projects": projects}) == ["|Lead unit: appeals=主办单位, projects=牵头单位"]


def test_each_app_keeps_its_own_meaning_of_a_shared_word():
    from minsheng.appeals.choices import RequestState, State
    from minsheng.projects.choices import ProjectStatus
    from minsheng.subsidies.choices import GrantState

    gettext, pgettext = translation.gettext, translation.pgettext
    with translation.override("zh-hans"):
        assert (gettext("Lead unit"), pgettext("project", "Lead unit")) == ("主办单位", "牵头单位")
        assert (str(State.SUSPENDED.label), str(ProjectStatus.SUSPENDED.label)) == ("已挂起", "暂停")
        assert (str(RequestState.REFUSED.label), str(GrantState.REFUSED.label)) == ("未批准", "不予兑现")
        assert (gettext("Registered"), pgettext("insight", "Registered")) == ("受理", "受理量")
