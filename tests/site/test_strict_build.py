"""Issue 35 (item 7): what help exists, and no production build while placeholders remain.

The service guide lists the kinds of support from the help form's own choices
(one source, both languages) and the organisation's "what to prepare" list,
shown as a placeholder until the charity fills it; `build --strict` refuses to
publish while any placeholder remains and names each one, in English and Arabic.
"""
from __future__ import annotations

import re

import pytest
import yaml

from generator import PROJECT_ROOT
from generator.cli import main
from generator.site.check import check_project
from tests.support.html_helpers import Document


@pytest.mark.parametrize("prefix,lang", [("", "ar"), ("en/", "en")])
def test_service_guide_lists_the_help_forms_kinds_of_support(built_site, prefix, lang):
    form = yaml.safe_load((PROJECT_ROOT / "forms/help-request.yml").read_text(encoding="utf-8"))
    field = next(f for f in form["schema"]["fields"] if f["name"] == "support_kind")
    expected = [field["ui"]["options"][value][lang] for value in field["constraints"]["enum"]]
    doc = Document.load(built_site / prefix / "services/index.html")
    heading = doc.by_id("help-request-kinds")
    assert heading is not None
    html = doc.html[doc.html.index('id="help-request-kinds"'):doc.html.index('id="help-request-prepare"')]
    assert re.findall(r"<li>(.*?)</li>", html) == expected
    assert form["title"][lang] in html
    # What to prepare ends with the organisation's list, a placeholder until it is filled.
    prepare = doc.html[doc.html.index('id="help-request-prepare"'):doc.html.index('id="help-request-apply"')]
    assert prepare.count('class="qalb-placeholder"') == 1


def test_check_names_a_missing_setting_the_pages_show(project_copy):
    settings = project_copy / "content/settings.yml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("  whatsapp: \"\"\n", ""), encoding="utf-8")
    placeholders = [p for p in check_project(project_copy).items if p.code == "placeholder"]
    assert any(p.message.startswith('"whatsapp" is not filled in yet') for p in placeholders)


def test_strict_build_refuses_placeholders_naming_each_in_both_languages(project_copy, tmp_path, capsys):
    site = tmp_path / "site"
    assert main(["--root", str(project_copy), "build", "--strict", "--site-dir", str(site)]) == 1
    assert not site.exists()
    stderr = capsys.readouterr().err.splitlines()
    unfilled = [p for p in check_project(project_copy).items if p.code == "placeholder"]
    assert len(unfilled) >= 10
    english = next(line for line in stderr if line.startswith("Not published:"))
    arabic = next(line for line in stderr if line.startswith("لم يُنشر الموقع"))
    for problem in unfilled:
        key = problem.message.split('"')[1]
        assert f"{key} (line {problem.line})" in english
        assert f"{key} (السطر {problem.line})" in arabic
    assert "what_to_prepare.ar" in english and "phone" in arabic


def test_filled_settings_pass_strict_checks(project_copy):
    settings = project_copy / "content/settings.yml"
    data = yaml.safe_load(settings.read_text(encoding="utf-8"))
    data["organisation"].update({
        "phone": "+966 11 000 0000", "whatsapp": "+966 50 000 0000", "email": "info@qalb.example",
        "licence_number": "123", "address": {"ar": "الرياض", "en": "Riyadh"},
        "opening_hours": {"ar": "من الأحد إلى الخميس", "en": "Sunday to Thursday"},
        "what_to_prepare": {"ar": ["صورة الهوية"], "en": ["A copy of the ID"]}, "social": {},
    })
    settings.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_project(project_copy).items == []  # nothing left for --strict to refuse
