"""Parsing settings from environment variables: the parsers config.py uses, each
refusing a value it cannot understand with a sentence naming the variable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Mapping
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit


class SettingsError(ValueError):
    """A setting has a value we refuse to guess about."""


def path_setting(root: Path, text: str) -> Path | None:
    """A file setting: empty means the default (None), relative means inside the project folder."""
    text = text.strip()
    return (root / text) if text and not Path(text).is_absolute() else (Path(text) if text else None)


def rate_limit(text: str, name: str, example: str = "30/60") -> tuple[int, float] | None:
    """`N/SECONDS` (e.g. `30/60`: 30 requests a minute); `0` or `off` switches the limit off."""
    text = text.strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)", text)
    if not match or int(match[1]) < 1 or float(match[2]) <= 0:
        raise SettingsError(f'{name} must look like "{example}" (requests per seconds) or "off"; got "{text}".')
    return int(match[1]), float(match[2])


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    # isdecimal, not isdigit: "²" is a digit that int() refuses; Arabic-Indic digits are decimals it reads.
    if not raw.strip().isdecimal() or int(raw) < 1:
        raise SettingsError(f'{name} must be a whole number above 0; got "{raw}".')
    return int(raw)


def absolute_url(env: Mapping[str, str], name: str) -> str:
    """An absolute http(s) URL ending in "/", or "" when the variable is unset."""
    text = env.get(name, "").strip()
    if text and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", text):
        raise SettingsError(f'{name} must be an absolute http(s) URL; got "{text}".')
    return text if not text or text.endswith("/") else text + "/"


@dataclass(frozen=True)
class SmtpUrl:
    """Where mail is handed over: `smtp://[user@]host:port` (plain, or with
    `?starttls=true`), or `smtps://[user@]host:port` (TLS from the first byte)."""

    host: str
    port: int
    username: str = ""
    security: str = "none"  # none | starttls | tls


def smtp_url(env: Mapping[str, str], name: str) -> SmtpUrl | None:
    """The SMTP server of a `smtp://` or `smtps://` URL, or None when the variable is unset."""
    text = env.get(name, "").strip()
    if not text:
        return None
    example = 'such as "smtp://mailer@mail.example:587?starttls=true" or "smtps://mail.example:465"'
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = None
    query = parse_qs(parts.query, keep_blank_values=True)
    starttls = [value.lower() for value in query.pop("starttls", [])]
    if (parts.scheme not in ("smtp", "smtps") or not parts.hostname or port is None or parts.password
            or parts.path not in ("", "/") or query or parts.fragment
            or any(value not in ("true", "false") for value in starttls)):
        raise SettingsError(f'{name} must be {example} (the password goes in QALB_SMTP_PASSWORD_FILE, '
                            f'never in the URL); got "{_without_password(parts)}".')
    if parts.scheme == "smtps" and "true" in starttls:
        raise SettingsError(f"{name}: smtps:// is TLS from the start; starttls=true is for smtp:// only.")
    security = "tls" if parts.scheme == "smtps" else ("starttls" if "true" in starttls else "none")
    return SmtpUrl(host=parts.hostname, port=port, username=unquote(parts.username or ""), security=security)


def _without_password(parts: SplitResult) -> str:
    if parts.password is None:
        return parts.geturl()
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def mail_address(env: Mapping[str, str], name: str) -> tuple[str, str] | None:
    """(display name, address) of `Name <addr@host>` or `addr@host`; None when unset."""
    text = env.get(name, "").strip()
    if not text:
        return None
    display, address = parseaddr(text)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+", address or ""):
        raise SettingsError(f'{name} must be an e-mail address such as "noreply@qalb.example", optionally with '
                            f'a name: "Qalb <noreply@qalb.example>"; got "{text}".')
    return display, address


def secret_file(path: Path | None, name: str) -> str:
    """The first line of a file holding a secret ("" without a file)."""
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8").strip().splitlines()[0] if path.stat().st_size else ""
    except (OSError, UnicodeDecodeError, IndexError) as exc:
        raise SettingsError(f"{name} names {path}, which cannot be read ({type(exc).__name__}).") from exc
