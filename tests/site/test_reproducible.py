"""The build is reproducible: with SOURCE_DATE_EPOCH set, two builds are the same byte for byte,
and the date the site carries (the sitemaps) is that one, not the day of the build."""
from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from generator.cli import main
from generator.core.config import source_date
from generator.core.environment import SettingsError

NOON_NEW_YEAR_2026 = "1767268800"  # 2026-01-01 12:00 UTC: not midnight, so a date cut from it is tested


def _files(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def test_two_builds_with_the_same_source_date_epoch_are_byte_identical(project_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOON_NEW_YEAR_2026)
    first, second = tmp_path / "first", tmp_path / "second"
    for site in (first, second):
        assert main(["--root", str(project_copy), "build", "--site-dir", str(site)]) == 0

    built, again = _files(first), _files(second)
    assert list(built) == list(again)
    assert [name for name in built if built[name] != again[name]] == []
    for sitemap in ("sitemap.xml", "en/sitemap.xml"):
        text = built[sitemap].decode("utf-8")
        assert text.count("<lastmod>2026-01-01</lastmod>") == text.count("<url>") > 10
        assert gzip.decompress(built[sitemap + ".gz"]) == built[sitemap]


def test_source_date_is_the_utc_date_of_source_date_epoch():
    assert source_date({"SOURCE_DATE_EPOCH": NOON_NEW_YEAR_2026}) == dt.date(2026, 1, 1)
    assert source_date({"SOURCE_DATE_EPOCH": "1767225599"}) == dt.date(2025, 12, 31)  # a second before midnight UTC
    assert source_date({"SOURCE_DATE_EPOCH": "0"}) == dt.date(1970, 1, 1)
    assert source_date({}) is None


@pytest.mark.parametrize("value", ["", "soon", "-1", "1.5", "1_767_268_800", " 1767268800", "١٧٦٧٢٦٨٨٠٠",
                                   "99999999999999999999"])
def test_a_malformed_source_date_epoch_is_refused_naming_the_value(value):
    with pytest.raises(SettingsError) as refused:
        source_date({"SOURCE_DATE_EPOCH": value})
    assert str(refused.value) == ("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 00:00 UTC, "
                                  f'such as "1767225600"; got "{value}".')


def test_a_malformed_source_date_epoch_stops_the_build_before_it_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "tomorrow")
    assert main(["--root", str(tmp_path), "build", "--site-dir", str(tmp_path / "site")]) == 1
    assert capsys.readouterr().err == ("error: SOURCE_DATE_EPOCH must be a whole number of seconds since "
                                       '1970-01-01 00:00 UTC, such as "1767225600"; got "tomorrow".\n')
    assert list(tmp_path.iterdir()) == []
