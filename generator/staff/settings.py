"""Staff workspace settings, read from environment variables in this one place.

Every variable is documented in docs/deploy.md; keep the two in step. Settings
that matter for security live here and never in content/settings.yml, which
staff edit. A value that cannot be understood stops the start with a sentence.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from generator.core.environment import absolute_url, positive_int, rate_limit
from generator.submissions.settings import StorageSettings

DEFAULT_STAFF_URL = "http://127.0.0.1:8000/"
DEFAULT_SIGN_IN_LIMIT = "10/60"  # sign-in and setup posts per client address per 60 s


@dataclass(frozen=True, kw_only=True)
class StaffSettings(StorageSettings):
    #: Where people open the workspace (QALB_STAFF_URL), e.g. "https://staff.qalb.example/".
    #: Cookies are `Secure` exactly when it is https; setup links start with it.
    staff_url: str = DEFAULT_STAFF_URL
    idle_minutes: int = 30
    absolute_hours: int = 12
    #: Failed sign-ins before an account waits; each further failure doubles the wait.
    lock_threshold: int = 5
    lock_seconds: int = 60
    lock_max_seconds: int = 3600
    #: (posts, seconds) per client address on the sign-in and setup pages; None: off.
    sign_in_limit: tuple[int, float] | None = (10, 60.0)
    setup_link_hours: int = 24
    max_body_bytes: int = 64 * 1024
    #: The built site, whose fonts the workspace serves when present (QALB_SITE_DIR).
    site_dir: Path | None = None
    forwarded_allow_ips: str = "127.0.0.1"
    #: Reports show no figures for a group with fewer answers than this (QALB_REPORT_MIN_GROUP).
    report_min_group: int = 5
    #: E-mail notifications are set up (QALB_SMTP_URL given; generator/notify/ reads the rest):
    #: the workspace then queues the applicant's e-mail when it moves a case, for a sender
    #: (`notify run`, or the endpoint's) to deliver.
    notify_email: bool = False

    @property
    def secure_cookies(self) -> bool:
        return self.staff_url.lower().startswith("https://")

    @property
    def base_url(self) -> str:
        """The public URL with the workspace's /staff/ path."""
        base = self.staff_url if self.staff_url.endswith("/") else self.staff_url + "/"
        return base if base.endswith("/staff/") else base + "staff/"

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> StaffSettings:
        env = os.environ if env is None else env
        return cls(
            **StorageSettings.values_from_env(root, env),
            staff_url=absolute_url(env, "QALB_STAFF_URL") or DEFAULT_STAFF_URL,
            idle_minutes=positive_int(env, "QALB_STAFF_IDLE_MINUTES", 30),
            absolute_hours=positive_int(env, "QALB_STAFF_ABSOLUTE_HOURS", 12),
            lock_threshold=positive_int(env, "QALB_STAFF_LOCK_AFTER", 5),
            lock_seconds=positive_int(env, "QALB_STAFF_LOCK_SECONDS", 60),
            sign_in_limit=rate_limit(env.get("QALB_STAFF_SIGN_IN_LIMIT", DEFAULT_SIGN_IN_LIMIT),
                                     "QALB_STAFF_SIGN_IN_LIMIT", "10/60"),
            site_dir=Path(env.get("QALB_SITE_DIR") or root / "site"),
            forwarded_allow_ips=env.get("QALB_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            report_min_group=positive_int(env, "QALB_REPORT_MIN_GROUP", 5),
            notify_email=bool(env.get("QALB_SMTP_URL", "").strip()),
        )


