"""core/environment.py: each parser of a setting read from the environment, the value it gives
and the exact message it refuses a value with (naming the variable, never echoing a password)."""
from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.environment import (
    SettingsError,
    SmtpUrl,
    absolute_url,
    mail_address,
    path_setting,
    positive_int,
    rate_limit,
    secret_file,
    smtp_url,
)


def _refusal(call) -> str:
    with pytest.raises(SettingsError) as refused:
        call()
    return str(refused.value)


# --- positive_int ---------------------------------------------------------

@pytest.mark.parametrize("env, expected", [
    ({}, 5), ({"N": ""}, 5), ({"N": "  "}, 5),  # unset or blank: the default
    ({"N": "1"}, 1), ({"N": " 12 "}, 12), ({"N": "007"}, 7),
    ({"N": "٣٠"}, 30),  # Arabic-Indic digits, as a person may type them
])
def test_positive_int(env, expected):
    assert positive_int(env, "N", 5) == expected


@pytest.mark.parametrize("raw", ["0", "-3", "2.5", "ten", "1e3", "+4", "²", "٠"])
def test_positive_int_refuses_anything_but_a_whole_number_above_zero(raw):
    assert _refusal(lambda: positive_int({"QALB_X": raw}, "QALB_X", 5)) == (
        f'QALB_X must be a whole number above 0; got "{raw}".')


# --- rate_limit -----------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("30/60", (30, 60.0)), (" 5 / 0.5 ", (5, 0.5)), ("1/1", (1, 1.0)),
    ("off", None), ("OFF", None), ("0", None), ("none", None), ("", None), ("  ", None),
])
def test_rate_limit(text, expected):
    assert rate_limit(text, "QALB_RATE_LIMIT") == expected


@pytest.mark.parametrize("text, shown", [
    ("0/60", "0/60"), ("5/0", "5/0"), ("thirty", "thirty"), ("30 per 60", "30 per 60"), ("30/", "30/"),
    ("-1/60", "-1/60"), ("Fast", "fast"),  # shown as read: trimmed and lower-cased
])
def test_rate_limit_refuses_with_the_example_it_is_given(text, shown):
    assert _refusal(lambda: rate_limit(text, "QALB_LOGIN_LIMIT", "5/300")) == (
        f'QALB_LOGIN_LIMIT must look like "5/300" (requests per seconds) or "off"; got "{shown}".')


def test_rate_limit_default_example():
    assert _refusal(lambda: rate_limit("x", "QALB_RATE_LIMIT")) == (
        'QALB_RATE_LIMIT must look like "30/60" (requests per seconds) or "off"; got "x".')


# --- absolute_url ---------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("https://qalb.example", "https://qalb.example/"),
    ("http://127.0.0.1:8000/staff", "http://127.0.0.1:8000/staff/"),
    ("https://qalb.example/staff/", "https://qalb.example/staff/"),
    ("  https://qalb.example/  ", "https://qalb.example/"),
])
def test_absolute_url_ends_in_a_slash(text, expected):
    assert absolute_url({"QALB_SITE_URL": text}, "QALB_SITE_URL") == expected


def test_absolute_url_unset_is_empty():
    assert absolute_url({}, "QALB_SITE_URL") == ""
    assert absolute_url({"QALB_SITE_URL": " "}, "QALB_SITE_URL") == ""


@pytest.mark.parametrize("text", ["qalb.example", "/staff/", "ftp://qalb.example", "https://", "https://qalb example"])
def test_absolute_url_refuses_what_is_not_an_http_url(text):
    assert _refusal(lambda: absolute_url({"QALB_STAFF_URL": text}, "QALB_STAFF_URL")) == (
        f'QALB_STAFF_URL must be an absolute http(s) URL; got "{text}".')


# --- smtp_url -------------------------------------------------------------

SMTP_EXAMPLE = ('QALB_SMTP_URL must be such as "smtp://mailer@mail.example:587?starttls=true" or '
                '"smtps://mail.example:465" (the password goes in QALB_SMTP_PASSWORD_FILE, never in the URL); ')


@pytest.mark.parametrize("text, expected", [
    ("smtp://mail.example:25", SmtpUrl("mail.example", 25)),
    ("smtp://mailer@mail.example:587?starttls=true", SmtpUrl("mail.example", 587, "mailer", "starttls")),
    ("smtp://mail.example:587?starttls=TRUE", SmtpUrl("mail.example", 587, "", "starttls")),
    ("smtp://mail.example:25?starttls=false", SmtpUrl("mail.example", 25, "", "none")),
    ("smtps://mail.example:465/", SmtpUrl("mail.example", 465, "", "tls")),
    ("smtp://requests%40qalb.example@mail.example:25", SmtpUrl("mail.example", 25, "requests@qalb.example", "none")),
])
def test_smtp_url(text, expected):
    assert smtp_url({"QALB_SMTP_URL": text}, "QALB_SMTP_URL") == expected


def test_smtp_url_unset_is_none():
    assert smtp_url({}, "QALB_SMTP_URL") is None
    assert smtp_url({"QALB_SMTP_URL": "  "}, "QALB_SMTP_URL") is None


@pytest.mark.parametrize("text", [
    "smtp://mail.example",  # no port
    "smtp://mail.example:99999",
    "http://mail.example:25",
    "smtp://:25",
    "smtp://mail.example:25/outbox",
    "smtp://mail.example:25?tls=true",
    "smtp://mail.example:25?starttls=yes",
    "smtp://mail.example:25#here",
])
def test_smtp_url_refuses_what_it_cannot_use(text):
    assert _refusal(lambda: smtp_url({"QALB_SMTP_URL": text}, "QALB_SMTP_URL")) == SMTP_EXAMPLE + f'got "{text}".'


@pytest.mark.parametrize("text, shown", [
    ("smtp://mailer:hunter2@mail.example:587", "smtp://mailer:***@mail.example:587"),
    ("smtps://mailer:s3cr%40t@mail.example:465?starttls=true", "smtps://mailer:***@mail.example:465?starttls=true"),
    ("smtp://mailer:hunter2@mail.example:25/path", "smtp://mailer:***@mail.example:25/path"),
])
def test_smtp_url_refuses_a_password_in_the_url_without_echoing_it(text, shown):
    message = _refusal(lambda: smtp_url({"QALB_SMTP_URL": text}, "QALB_SMTP_URL"))
    assert message == SMTP_EXAMPLE + f'got "{shown}".'
    assert "hunter2" not in message and "s3cr" not in message


def test_smtps_with_starttls_is_refused():
    assert _refusal(lambda: smtp_url({"QALB_SMTP_URL": "smtps://mail.example:465?starttls=true"}, "QALB_SMTP_URL")) \
        == "QALB_SMTP_URL: smtps:// is TLS from the start; starttls=true is for smtp:// only."


# --- mail_address ---------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("noreply@qalb.example", ("", "noreply@qalb.example")),
    ("Qalb <noreply@qalb.example>", ("Qalb", "noreply@qalb.example")),
    ("  جمعية قلب <noreply@qalb.example>  ", ("جمعية قلب", "noreply@qalb.example")),
    ('"Qalb, requests" <requests@mail.qalb.example>', ("Qalb, requests", "requests@mail.qalb.example")),
])
def test_mail_address(text, expected):
    assert mail_address({"QALB_MAIL_FROM": text}, "QALB_MAIL_FROM") == expected


def test_mail_address_unset_is_none():
    assert mail_address({}, "QALB_MAIL_FROM") is None
    assert mail_address({"QALB_MAIL_FROM": " "}, "QALB_MAIL_FROM") is None


@pytest.mark.parametrize("text", ["qalb", "noreply@localhost", "Qalb <>", "a@b@qalb.example", "noreply@qalb."])
def test_mail_address_refuses_what_is_not_an_address(text):
    assert _refusal(lambda: mail_address({"QALB_MAIL_FROM": text}, "QALB_MAIL_FROM")) == (
        'QALB_MAIL_FROM must be an e-mail address such as "noreply@qalb.example", optionally with a name: '
        f'"Qalb <noreply@qalb.example>"; got "{text}".')


# --- path_setting ---------------------------------------------------------

def test_path_setting_is_relative_to_the_project_folder():
    root = Path("/srv/qalb")
    assert path_setting(root, "data/submissions.sqlite") == Path("/srv/qalb/data/submissions.sqlite")
    assert path_setting(root, "  data/keys  ") == Path("/srv/qalb/data/keys")
    assert path_setting(root, "/var/lib/qalb/keys") == Path("/var/lib/qalb/keys")
    assert path_setting(root, "") is None
    assert path_setting(root, "   ") is None


# --- secret_file ----------------------------------------------------------

@pytest.mark.parametrize("content", ["s3cret", "s3cret\n", "s3cret\r\n", "s3cret\nsecond line\n",
                                     "\n  s3cret  \n\n"])
def test_secret_file_gives_the_first_line_of_the_file(tmp_path, content):
    path = tmp_path / "password"
    path.write_bytes(content.encode("utf-8"))
    assert secret_file(path, "QALB_SMTP_PASSWORD_FILE") == "s3cret"


def test_secret_file_without_a_file_or_with_an_empty_one_is_empty(tmp_path):
    assert secret_file(None, "QALB_SMTP_PASSWORD_FILE") == ""
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert secret_file(empty, "QALB_SMTP_PASSWORD_FILE") == ""


def test_secret_file_that_cannot_be_read_is_refused_by_name_without_its_content(tmp_path):
    missing = tmp_path / "missing"
    assert _refusal(lambda: secret_file(missing, "QALB_SMTP_PASSWORD_FILE")) == (
        f"QALB_SMTP_PASSWORD_FILE names {missing}, which cannot be read (FileNotFoundError).")
    assert _refusal(lambda: secret_file(tmp_path, "QALB_SMTP_PASSWORD_FILE")) == (
        f"QALB_SMTP_PASSWORD_FILE names {tmp_path}, which cannot be read (IsADirectoryError).")
    latin = tmp_path / "latin"
    latin.write_bytes("s3cr\xe9t\n".encode("latin-1"))
    message = _refusal(lambda: secret_file(latin, "QALB_SMTP_PASSWORD_FILE"))
    assert message == f"QALB_SMTP_PASSWORD_FILE names {latin}, which cannot be read (UnicodeDecodeError)."


def test_settings_error_is_a_value_error():
    assert issubclass(SettingsError, ValueError)
