"""Endpoint settings, read from environment variables with safe defaults.

Every variable is documented in docs/deploy.md; keep the two in step. A value
that cannot be understood stops the service at start with a message naming
the variable, instead of running with a guess.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

DEFAULT_MAX_BODY_BYTES = 100 * 1024
DEFAULT_RATE_LIMIT = "30/60"  # 30 posts per client per 60 seconds


class SettingsError(ValueError):
    """A setting has a value we refuse to guess about."""


@dataclass(frozen=True, kw_only=True)
class EndpointSettings:
    root: Path
    database_url: str
    site_dir: Path
    #: Origins (scheme://host[:port]) allowed to post besides the request's own host.
    allowed_origins: frozenset[str] = frozenset()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: (posts, seconds) per client address; None switches the limit off.
    rate_limit: tuple[int, float] | None = (30, 60.0)
    #: sha256 hex digests of the bearer tokens allowed to export over HTTP.
    export_token_hashes: frozenset[str] = frozenset()
    #: Where the static site lives when it is not on the endpoint's host, e.g.
    #: "https://qalb.example/"; pages the endpoint renders load their CSS from there.
    site_url: str = ""
    writer_max_batch: int = 512
    #: The keys (crypto.py): files outside the database and the repository, one each,
    #: by default <root>/data/keys/ (gitignored). None means that default.
    data_key_file: Path | None = None
    lookup_key_file: Path | None = None

    def __post_init__(self) -> None:
        keys = self.root / DEFAULT_KEY_DIR
        if self.data_key_file is None:
            object.__setattr__(self, "data_key_file", keys / "data.key")
        if self.lookup_key_file is None:
            object.__setattr__(self, "lookup_key_file", keys / "lookup.key")
        if Path(self.data_key_file).resolve() == Path(self.lookup_key_file).resolve():  # type: ignore[arg-type]
            raise SettingsError("QALB_DATA_KEY_FILE and QALB_LOOKUP_KEY_FILE must be two different files: "
                                "the lookup key is kept apart from the data key.")

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> EndpointSettings:
        env = os.environ if env is None else env
        return cls(
            root=root,
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            site_dir=Path(env.get("QALB_SITE_DIR") or root / "site"),
            allowed_origins=_origins(env.get("QALB_ALLOWED_ORIGINS", "")),
            max_body_bytes=_positive_int(env, "QALB_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            rate_limit=parse_rate_limit(env.get("QALB_RATE_LIMIT", DEFAULT_RATE_LIMIT)),
            export_token_hashes=_hashes(env.get("QALB_EXPORT_TOKEN_HASHES", "")),
            site_url=_site_url(env.get("QALB_SITE_URL", "")),
            writer_max_batch=_positive_int(env, "QALB_WRITER_MAX_BATCH", 512),
            data_key_file=_path(root, env.get("QALB_DATA_KEY_FILE", "")),
            lookup_key_file=_path(root, env.get("QALB_LOOKUP_KEY_FILE", "")),
        )


#: Relative SQLite paths are resolved against the project folder.
DEFAULT_DATABASE_URL = "sqlite:///data/submissions.db"
DEFAULT_KEY_DIR = Path("data") / "keys"


def _path(root: Path, text: str) -> Path | None:
    """A file setting: empty means the default, relative means inside the project folder."""
    text = text.strip()
    return (root / text) if text and not Path(text).is_absolute() else (Path(text) if text else None)


def parse_rate_limit(text: str) -> tuple[int, float] | None:
    """`N/SECONDS` (e.g. `30/60`); `0` or `off` switches the limit off."""
    text = text.strip().lower()
    if text in ("0", "off", "none", ""):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)", text)
    if not match or int(match[1]) < 1 or float(match[2]) <= 0:
        raise SettingsError(
            f'QALB_RATE_LIMIT must look like "30/60" (posts per seconds) or "off"; got "{text}".'
        )
    return int(match[1]), float(match[2])


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise SettingsError(f'{name} must be a whole number above 0; got "{raw}".')
    return int(raw)


def _origins(text: str) -> frozenset[str]:
    origins = set()
    for item in filter(None, (part.strip().rstrip("/") for part in text.split(","))):
        if not re.fullmatch(r"https?://[^/\s]+", item):
            raise SettingsError(
                f'QALB_ALLOWED_ORIGINS holds "{item}", which is not an origin such as '
                '"https://qalb.example" (scheme and host, no path).'
            )
        origins.add(item.lower())
    return frozenset(origins)


def _hashes(text: str) -> frozenset[str]:
    hashes = set()
    for item in filter(None, (part.strip().lower() for part in text.split(","))):
        if not re.fullmatch(r"[0-9a-f]{64}", item):
            raise SettingsError(
                "QALB_EXPORT_TOKEN_HASHES must hold sha256 hex digests (64 characters each), "
                "comma-separated; store the hash of a token, never the token itself."
            )
        hashes.add(item)
    return frozenset(hashes)


def _site_url(text: str) -> str:
    text = text.strip()
    if text and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", text):
        raise SettingsError(f'QALB_SITE_URL must be an absolute http(s) URL; got "{text}".')
    return text if not text or text.endswith("/") else text + "/"
