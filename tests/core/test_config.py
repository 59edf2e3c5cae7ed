"""The settings object: one reading of the environment per process, each section
parsed when a command needs it, the same sentence for a bad value everywhere."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.config import (
    DEFAULT_STAFF_URL,
    Config,
    EndpointSettings,
    NotifySettings,
    StaffSettings,
    config,
    read_settings,
)
from generator.core.environment import SettingsError

BAD_SMTP = {"QALB_SMTP_URL": "mail.example"}


def test_a_bad_value_stops_only_the_sections_that_need_it(tmp_path: Path) -> None:
    settings = Config(tmp_path, BAD_SMTP)
    assert settings.endpoint.rate_limit == (30, 60.0) and settings.storage.root == tmp_path
    with pytest.raises(SettingsError) as for_notify:
        settings.section(NotifySettings)
    with pytest.raises(SettingsError) as for_staff:  # the workspace asks "is e-mail on?" of the same URL
        settings.section(StaffSettings)
    assert str(for_staff.value) == str(for_notify.value) and str(for_staff.value).startswith("QALB_SMTP_URL must")


def test_a_bad_site_or_staff_url_stops_only_the_sections_that_use_it(tmp_path: Path) -> None:
    bad_site = Config(tmp_path, {"QALB_SITE_URL": "qalb.example"})
    assert bad_site.staff.staff_url == DEFAULT_STAFF_URL  # the workspace links to no public page
    for section in (EndpointSettings, NotifySettings):
        with pytest.raises(SettingsError, match="QALB_SITE_URL must be an absolute"):
            bad_site.section(section)
    bad_staff = Config(tmp_path, {"QALB_STAFF_URL": "staff.qalb.example"})
    assert bad_staff.endpoint.site_url == ""  # the endpoint never links to the workspace
    for section in (StaffSettings, NotifySettings):
        with pytest.raises(SettingsError, match="QALB_STAFF_URL must be an absolute"):
            bad_staff.section(section)


def test_the_workspace_and_notify_read_the_smtp_url_and_staff_url_alike(tmp_path: Path) -> None:
    unset = Config(tmp_path, {})
    assert unset.notify.staff_url == unset.staff.staff_url == DEFAULT_STAFF_URL
    assert not unset.staff.notify_email and not unset.notify.enabled
    on = Config(tmp_path, {"QALB_SMTP_URL": "smtp://127.0.0.1:25", "QALB_MAIL_FROM": "noreply@qalb.example",
                           "QALB_STAFF_URL": "https://staff.qalb.example", "QALB_SITE_DIR": "/srv/site"})
    assert on.staff.notify_email and on.notify.enabled
    assert on.notify.staff_url == on.staff.staff_url == "https://staff.qalb.example/"
    assert on.endpoint.site_dir == on.staff.site_dir == Path("/srv/site")


def test_sections_are_parsed_once(tmp_path: Path) -> None:
    settings = Config(tmp_path, {"QALB_RATE_LIMIT": "5/60"})
    assert settings.endpoint is settings.endpoint is settings.section(EndpointSettings)


def test_one_config_per_process_until_the_environment_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.setenv("QALB_RATE_LIMIT", "5/60")
    first = config(tmp_path)
    assert config(tmp_path) is first and first.endpoint.rate_limit == (5, 60.0)
    monkeypatch.setenv("QALB_RATE_LIMIT", "off")  # only tests change the environment mid-process
    assert config(tmp_path) is not first and config(tmp_path).endpoint.rate_limit is None


def test_a_command_says_which_variable_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QALB_SMTP_URL", BAD_SMTP["QALB_SMTP_URL"])
    assert read_settings(EndpointSettings, tmp_path) is not None
    assert read_settings(StaffSettings, tmp_path) is None
    assert read_settings(NotifySettings, tmp_path) is None
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 2 and said[0] == said[1] and said[0].startswith("error: QALB_SMTP_URL must be")


@pytest.mark.parametrize("given", ["https://x.example", "https://x.example/", "https://x.example/staff",
                                   "https://x.example/staff/"])
def test_setup_links_and_staff_alerts_reach_the_workspace_however_its_url_is_given(tmp_path: Path, given: str) -> None:
    from generator.notify.compose import staff_link

    config = Config(tmp_path, {"QALB_STAFF_URL": given})
    assert config.staff.base_url == "https://x.example/staff/"
    assert staff_link(config.notify.staff_url, "7KQ2M-X9PHD") == "https://x.example/staff/submissions/7KQ2M-X9PHD"


def test_the_endpoint_fault_points_are_off_unless_set_and_say_their_forms(tmp_path: Path) -> None:
    assert Config(tmp_path, {}).endpoint.die_after_batches == 0
    assert not Config(tmp_path, {}).endpoint.die_at_upload_written
    assert Config(tmp_path, {"QALB_ENDPOINT_FAULT": "after-commit"}).endpoint.die_after_batches == 1
    assert Config(tmp_path, {"QALB_ENDPOINT_FAULT": " after-commit:40 "}).endpoint.die_after_batches == 40
    upload = Config(tmp_path, {"QALB_ENDPOINT_FAULT": "upload-written"}).endpoint
    assert upload.die_at_upload_written and upload.die_after_batches == 0
    for wrong in ("after-commit:0", "after-commit:", "before-send", "after-commit:x", "upload-written:2"):
        with pytest.raises(SettingsError) as refused:
            Config(tmp_path, {"QALB_ENDPOINT_FAULT": wrong}).section(EndpointSettings)
        assert str(refused.value) == ("QALB_ENDPOINT_FAULT is for tests only: after-commit, after-commit:N or "
                                      f'upload-written; got "{wrong}".')


def test_the_files_folder_is_in_the_data_folder_unless_set(tmp_path: Path) -> None:
    assert Config(tmp_path, {}).storage.files_dir == tmp_path / "data" / "files"
    assert Config(tmp_path, {"QALB_FILES_DIR": "shared/files"}).endpoint.files_dir == tmp_path / "shared" / "files"
    assert Config(tmp_path, {"QALB_FILES_DIR": "/mnt/qalb-files"}).staff.files_dir == Path("/mnt/qalb-files")


def test_clamd_is_debians_socket_unless_set_and_unscanned_files_are_refused_unless_allowed(tmp_path: Path) -> None:
    default = Config(tmp_path, {}).endpoint
    assert (default.clamd_address, default.accept_unscanned) == ("unix:/run/clamav/clamd.ctl", False)
    given = Config(tmp_path, {"QALB_CLAMD_ADDRESS": "tcp:127.0.0.1:3310", "QALB_ACCEPT_UNSCANNED": "1"}).endpoint
    assert (given.clamd_address, given.accept_unscanned) == ("tcp:127.0.0.1:3310", True)
    for wrong in ("clamd.ctl", "unix:relative.sock", "tcp:127.0.0.1", "tcp:host:99999", "http://x"):
        with pytest.raises(SettingsError, match="QALB_CLAMD_ADDRESS must be unix:/path/to/clamd.socket or tcp:host:port"):
            Config(tmp_path, {"QALB_CLAMD_ADDRESS": wrong}).section(EndpointSettings)
    with pytest.raises(SettingsError, match='QALB_ACCEPT_UNSCANNED must be 1 .on. or 0 .off.; got "maybe"'):
        Config(tmp_path, {"QALB_ACCEPT_UNSCANNED": "maybe"}).section(EndpointSettings)


def test_hsts_is_on_for_a_year_when_the_site_or_staff_url_is_https_and_as_set_otherwise(tmp_path: Path) -> None:
    year = "max-age=31536000"
    assert Config(tmp_path, {}).endpoint.hsts == Config(tmp_path, {}).staff.hsts == ""
    for https in ({"QALB_STAFF_URL": "https://staff.qalb.example/"}, {"QALB_SITE_URL": "https://qalb.example/"}):
        assert Config(tmp_path, https).endpoint.hsts == Config(tmp_path, https).staff.hsts == year
    assert Config(tmp_path, {"QALB_HSTS": "on"}).staff.hsts == year
    assert Config(tmp_path, {"QALB_HSTS": " Subdomains "}).endpoint.hsts == year + "; includeSubDomains"
    assert Config(tmp_path, {"QALB_HSTS": "off", "QALB_STAFF_URL": "https://staff.qalb.example/"}).staff.hsts == ""
    with pytest.raises(SettingsError, match='QALB_HSTS must be on, subdomains or off; got "yes"'):
        Config(tmp_path, {"QALB_HSTS": "yes"}).section(StaffSettings)
