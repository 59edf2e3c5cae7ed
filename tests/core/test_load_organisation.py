"""content/settings.yml as the commands and web apps load it: once, its problems said."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.organisation import load_organisation, load_settings
from generator.core.problems import Problems

SETTINGS = """\
site_url: https://qalb.example/
arabic_digits: roman
organisation:
  name: {ar: قلب, en: Qalb}
  short_name: {ar: قلب, en: Qalb}
  phone: ""
"""


def test_problems_are_reported_once_and_the_defaults_stand_in(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "settings.yml").write_text(SETTINGS, encoding="utf-8")
    first = load_organisation(tmp_path)
    said = capsys.readouterr().err.splitlines()
    assert said[0].startswith("content/settings.yml:2: [invalid-value]") and "arabic_digits" in said[0]
    checked = Problems()  # what `check` lists: the empty phone, and the other settings the pages show
    load_settings(tmp_path, checked)
    assert any(p.code == "placeholder" or "phone" in p.message for p in checked.warnings)
    assert said[1] == f"content/settings.yml: {len(checked.warnings)} warning(s); `python -m generator check` lists them."
    assert len(said) == 2  # the warnings counted on one line, not each printed
    assert first.arabic_digits == "default" and first.org("name", "en") == "Qalb"
    again = load_organisation(tmp_path)
    assert capsys.readouterr().err == ""  # read once: said once
    again.arabic_digits = "arab"  # each caller has its own copy
    assert load_organisation(tmp_path).arabic_digits == "default"


def test_no_file_means_the_defaults_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert load_organisation(tmp_path).time_zone == "Asia/Riyadh"
    assert capsys.readouterr().err.startswith("content/settings.yml:1: [unreadable]")
