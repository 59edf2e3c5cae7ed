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

from generator.core.environment import SettingsError, absolute_url, positive_int, rate_limit
from generator.submissions.settings import StorageSettings

DEFAULT_MAX_BODY_BYTES = 100 * 1024
DEFAULT_RATE_LIMIT = "30/60"  # 30 posts per client per 60 seconds


@dataclass(frozen=True, kw_only=True)
class EndpointSettings(StorageSettings):
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
    #: Status page lookups per client address and per reference (QALB_STATUS_LIMIT, "10/3600").
    status_limit: tuple[int, float] = (10, 3600.0)
    #: The proxies whose X-Forwarded-For uvicorn believes (QALB_FORWARDED_ALLOW_IPS).
    forwarded_allow_ips: str = "127.0.0.1"

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> EndpointSettings:
        env = os.environ if env is None else env
        return cls(
            **StorageSettings.values_from_env(root, env),
            site_dir=Path(env.get("QALB_SITE_DIR") or root / "site"),
            allowed_origins=_origins(env.get("QALB_ALLOWED_ORIGINS", "")),
            max_body_bytes=positive_int(env, "QALB_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            rate_limit=rate_limit(env.get("QALB_RATE_LIMIT", DEFAULT_RATE_LIMIT), "QALB_RATE_LIMIT"),
            export_token_hashes=_hashes(env.get("QALB_EXPORT_TOKEN_HASHES", "")),
            site_url=absolute_url(env, "QALB_SITE_URL"),
            writer_max_batch=positive_int(env, "QALB_WRITER_MAX_BATCH", 512),
            forwarded_allow_ips=env.get("QALB_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            status_limit=rate_limit(env.get("QALB_STATUS_LIMIT", "10/3600"), "QALB_STATUS_LIMIT", "10/3600")
            or (10, 3600.0),
        )



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

