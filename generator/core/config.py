"""The process's settings from environment variables, read in this one module.

Every variable (documented in docs/deploy.md; keep the two in step) is read
here and nowhere else. `Config` holds one section per part (storage, web,
endpoint, staff, notify), each parsed the first time a command asks for it,
then kept. A command therefore fails only for a bad value in a section it
needs (`build` asks for none), and always with the same sentence, `error:
QALB_X must ...` (`read_settings`). What is read before a project folder is
known (QALB_ROOT, QALB_CHROMIUM) has a function of its own at the end.
Settings that matter for security live here, never in content/settings.yml,
which staff edit. The parsers themselves are in environment.py.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, TypeVar, cast

from .environment import (
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

#: Relative SQLite paths are resolved against the project folder.
DEFAULT_DATABASE_URL = "sqlite:///data/submissions.db"
DEFAULT_KEY_DIR = Path("data") / "keys"
#: Attached files, sealed (submissions/files.py), when QALB_FILES_DIR is unset; relative to the root.
DEFAULT_FILES_DIR = Path("data") / "files"
#: Where people open the workspace when QALB_STAFF_URL is unset: setup links and staff alerts use it.
DEFAULT_STAFF_URL = "http://127.0.0.1:8000/"
DEFAULT_MAX_BODY_BYTES = 100 * 1024
DEFAULT_RATE_LIMIT = "30/60"  # 30 posts per client per 60 seconds
DEFAULT_SIGN_IN_LIMIT = "10/60"  # sign-in and setup posts per client address per 60 s
#: Fault-injection points (QALB_NOTIFY_FAULT) the tests switch on: the process kills
#: itself with SIGKILL the Nth time it passes the point (`point:N`; `point` alone: the
#: first time), so every start of a killed process gets further than the last one.
#: after-commit: this process stored a submission (its messages queued), before it
#: answers or claims them; before-send: a batch is claimed, nothing handed over yet;
#: after-send: the server accepted a message (SMTP 250, a webhook's 2xx), its outcome
#: not yet recorded.
FAULTS = ("after-commit", "before-send", "after-send")
#: A message's claim lasts this long unless its sender renews it (a third of it, while
#: it works): a killed sender's messages are taken by another sender after this long.
DEFAULT_NOTIFY_LEASE_SECONDS = 30
#: Strict-Transport-Security by QALB_HSTS: one year; `subdomains` for a domain whose every
#: subdomain is https too (a sibling host over http could otherwise plant cookies).
HSTS_VALUES = {"on": "max-age=31536000", "subdomains": "max-age=31536000; includeSubDomains", "off": ""}
#: The endpoint's fault-injection points (QALB_ENDPOINT_FAULT, tests only): "after-commit"
#: or "after-commit:N" kills the process once its Nth batch of submissions is committed
#: (N=1 by default), before any of them is answered or its files placed: a retry must not
#: store them twice. "upload-written" kills it once an upload's sealed files are fsynced,
#: before the writer is called.
ENDPOINT_FAULT = re.compile(r"after-commit(?::([1-9][0-9]{0,8}))?\Z")
UPLOAD_WRITTEN = "upload-written"
#: Debian's clamav-daemon socket (QALB_CLAMD_ADDRESS): every uploaded file is scanned there.
DEFAULT_CLAMD_ADDRESS = "unix:/run/clamav/clamd.ctl"
#: A webhook's signing secret: QALB_WEBHOOK_<NAME>_SECRET_FILE (forms/model.py names it).
WEBHOOK_SECRET_VARIABLE = re.compile(r"QALB_WEBHOOK_[A-Z0-9_]+_SECRET_FILE\Z")


@dataclass(frozen=True, kw_only=True)
class StorageSettings:
    """Where submissions are stored and where the keys are; each app's section extends it."""

    root: Path
    database_url: str = DEFAULT_DATABASE_URL
    #: The keys (submissions/crypto.py): files outside the database and the repository, one
    #: each, by default <root>/data/keys/ (gitignored). None means that default.
    data_key_file: Path | None = None
    lookup_key_file: Path | None = None
    #: The workspace's HMAC key (QALB_STAFF_KEY_FILE): the form tokens bound to each session.
    staff_key_file: Path | None = None
    #: Attached files, sealed (QALB_FILES_DIR; submissions/files.py). Several endpoint machines
    #: share one folder (a shared mount) as they share the database. Relative: inside the root.
    files_dir: Path = DEFAULT_FILES_DIR

    def __post_init__(self) -> None:
        if not self.files_dir.is_absolute():
            object.__setattr__(self, "files_dir", self.root / self.files_dir)
        keys = self.root / DEFAULT_KEY_DIR
        if self.data_key_file is None:
            object.__setattr__(self, "data_key_file", keys / "data.key")
        if self.lookup_key_file is None:
            object.__setattr__(self, "lookup_key_file", keys / "lookup.key")
        if self.staff_key_file is None:
            object.__setattr__(self, "staff_key_file", keys / "staff.key")
        files = [Path(str(f)).resolve() for f in (self.data_key_file, self.lookup_key_file, self.staff_key_file)]
        if len(set(files)) < len(files):
            raise SettingsError("QALB_DATA_KEY_FILE, QALB_LOOKUP_KEY_FILE and QALB_STAFF_KEY_FILE must be three "
                                "different files: each key is kept apart from the others.")


@dataclass(frozen=True, kw_only=True)
class WebSettings:
    """What the web apps (and the messages linking to them) share."""

    #: The built site (QALB_SITE_DIR): the endpoint serves it for `run`, the workspace its fonts.
    site_dir: Path
    #: Where the static site lives when it is not on the endpoint's host (QALB_SITE_URL), or "".
    site_url: str = ""
    #: Where people open the workspace (QALB_STAFF_URL), e.g. "https://staff.qalb.example/".
    staff_url: str = DEFAULT_STAFF_URL
    #: The proxies whose X-Forwarded-For uvicorn believes (QALB_FORWARDED_ALLOW_IPS).
    forwarded_allow_ips: str = "127.0.0.1"


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
    #: Status page lookups per client address (QALB_STATUS_LIMIT, "60/3600": a branch office).
    status_limit: tuple[int, float] = (60, 3600.0)
    #: Wrong status lookups of one reference (QALB_STATUS_REFERENCE_LIMIT, "10/300").
    status_reference_limit: tuple[int, float] = (10, 300.0)
    #: The proxies whose X-Forwarded-For uvicorn believes (QALB_FORWARDED_ALLOW_IPS).
    forwarded_allow_ips: str = "127.0.0.1"
    #: Tests only (QALB_ENDPOINT_FAULT): SIGKILL after this many committed batches; 0: never.
    die_after_batches: int = 0
    #: Tests only (QALB_ENDPOINT_FAULT=upload-written): SIGKILL once an upload's files are fsynced.
    die_at_upload_written: bool = False
    #: The Strict-Transport-Security value `run` and `endpoint` send (QALB_HSTS), or "" for none.
    hsts: str = ""
    #: Where clamd listens (QALB_CLAMD_ADDRESS): "unix:/path/to/socket" or "tcp:host:port".
    clamd_address: str = DEFAULT_CLAMD_ADDRESS
    #: QALB_ACCEPT_UNSCANNED=1: with clamd unreachable, files are accepted marked "unscanned"
    #: instead of refusing the upload with 503.
    accept_unscanned: bool = False


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
    #: E-mail notifications are set up (QALB_SMTP_URL, parsed as notify parses it): the
    #: workspace then queues the applicant's e-mail when it moves a case, for a sender
    #: (`notify run`, or the endpoint's) to deliver.
    notify_email: bool = False
    #: The Strict-Transport-Security value `staff serve` sends (QALB_HSTS), or "" for none.
    hsts: str = ""
    #: Run after each good publish (QALB_PUBLISH_COMMAND), split as a shell would but run
    #: without one; () when the site is served from this host's site folder.
    publish_command: tuple[str, ...] = ()
    #: Where the public site lives (QALB_SITE_URL), for the links a publish shows; "": this host.
    site_url: str = ""

    @property
    def secure_cookies(self) -> bool:
        return self.staff_url.lower().startswith("https://")

    @property
    def base_url(self) -> str:
        """The public URL with the workspace's /staff/ path."""
        return workspace_url(self.staff_url)


@dataclass(frozen=True, kw_only=True)
class NotifySettings(StorageSettings):
    """Without QALB_SMTP_URL e-mail is off: nothing is queued, and the endpoint says so
    when it starts. With it, QALB_MAIL_FROM is required. The password is never in the
    URL: QALB_SMTP_PASSWORD_FILE names a file holding it, like the key files.

    Webhooks (docs/webhooks.md) need no e-mail settings. Each webhook's signing
    secret is in the file named by QALB_WEBHOOK_<NAME>_SECRET_FILE (its name in upper
    case, hyphens as underscores), never in the form file or git; a webhook without
    one is not sent (its deliveries wait, then fail, and say why)."""

    smtp: SmtpUrl | None = None
    smtp_password: str = ""
    #: (display name, address); an empty display name means the organisation's name.
    mail_from: tuple[str, str] = ("", "")
    #: The staff workspace's public URL (links in staff alerts): the workspace's own.
    staff_url: str = DEFAULT_STAFF_URL
    #: The public site (the status page link in applicant messages); "" means
    #: content/settings.yml's site_url.
    site_url: str = ""
    #: A claim older than this is free again: its sender died mid-send. A working
    #: sender renews its claims every third of it.
    lease: dt.timedelta = dt.timedelta(seconds=DEFAULT_NOTIFY_LEASE_SECONDS)
    #: How often a sender looks for due messages when nobody wakes it.
    poll_seconds: float = 5.0
    smtp_timeout: float = 30.0
    #: QALB_NOTIFY_FAULT (tests only): the point (one of FAULTS, "" for none) and the
    #: how-manyth pass of it kills the process.
    fault: str = ""
    fault_after: int = 1
    #: Signing secrets by variable name (Webhook.secret_variable), read from their files.
    webhook_secrets: Mapping[str, str] = dataclasses.field(default_factory=dict)
    webhook_timeout: float = 10.0
    #: Test-only (QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS=1): answers over http to 127.0.0.1.
    loopback_answers: bool = False

    @property
    def enabled(self) -> bool:
        return self.smtp is not None


S = TypeVar("S")


class Config:
    """The settings of one project folder, from one reading of the environment.
    Each section is parsed when first asked for; a bad value raises SettingsError
    every time that section is asked for, and never for another section."""

    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self._env = dict(env)

    def _get(self, name: str, default: str = "") -> str:
        return self._env.get(name, default)

    def section(self, kind: type[S]) -> S:
        """The section of this class (e.g. `config.section(EndpointSettings)`)."""
        return cast(S, getattr(self, SECTIONS[kind]))

    @functools.cached_property
    def _storage_values(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "database_url": self._get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            "data_key_file": path_setting(self.root, self._get("QALB_DATA_KEY_FILE")),
            "lookup_key_file": path_setting(self.root, self._get("QALB_LOOKUP_KEY_FILE")),
            "staff_key_file": path_setting(self.root, self._get("QALB_STAFF_KEY_FILE")),
            "files_dir": path_setting(self.root, self._get("QALB_FILES_DIR")) or DEFAULT_FILES_DIR,
        }

    @functools.cached_property
    def storage(self) -> StorageSettings:
        return StorageSettings(**self._storage_values)

    # The shared web values one by one, so a section parses only those it uses: a bad
    # QALB_SITE_URL stops the endpoint and notify, never the workspace.
    @functools.cached_property
    def _site_dir(self) -> Path:
        return Path(self._get("QALB_SITE_DIR") or self.root / "site")

    @functools.cached_property
    def _site_url(self) -> str:
        return absolute_url(self._env, "QALB_SITE_URL")

    @functools.cached_property
    def _site_url_for_links(self) -> str:
        """QALB_SITE_URL for the links a publish shows in the workspace: a bad value leaves them
        on this host (the sections that need the URL stop and say why), not the workspace."""
        try:
            return self._site_url
        except SettingsError:
            return ""

    @functools.cached_property
    def _staff_url(self) -> str:
        return absolute_url(self._env, "QALB_STAFF_URL") or DEFAULT_STAFF_URL

    @functools.cached_property
    def _forwarded_allow_ips(self) -> str:
        return self._get("QALB_FORWARDED_ALLOW_IPS", "127.0.0.1")

    @functools.cached_property
    def _hsts(self) -> str:
        """QALB_HSTS: on | subdomains | off; unset: on when the site or staff URL is https."""
        text = self._get("QALB_HSTS").strip().lower()
        if not text:
            # The raw values: a section never fails for a URL it does not use (checked where used).
            https = any(self._get(name).strip().lower().startswith("https://")
                        for name in ("QALB_SITE_URL", "QALB_STAFF_URL"))
            text = "on" if https else "off"
        if text not in HSTS_VALUES:
            raise SettingsError(f'QALB_HSTS must be on, subdomains or off; got "{text}".')
        return HSTS_VALUES[text]

    @functools.cached_property
    def web(self) -> WebSettings:
        return WebSettings(site_dir=self._site_dir, site_url=self._site_url, staff_url=self._staff_url,
                           forwarded_allow_ips=self._forwarded_allow_ips)

    @functools.cached_property
    def _smtp(self) -> SmtpUrl | None:
        """QALB_SMTP_URL, parsed once for notify and for the workspace (which only asks "is e-mail on?")."""
        return smtp_url(self._env, "QALB_SMTP_URL")

    @functools.cached_property
    def endpoint(self) -> EndpointSettings:
        return EndpointSettings(
            **self._storage_values,
            site_dir=self._site_dir,
            allowed_origins=_origins(self._get("QALB_ALLOWED_ORIGINS")),
            max_body_bytes=positive_int(self._env, "QALB_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            rate_limit=rate_limit(self._get("QALB_RATE_LIMIT", DEFAULT_RATE_LIMIT), "QALB_RATE_LIMIT"),
            export_token_hashes=_hashes(self._get("QALB_EXPORT_TOKEN_HASHES")),
            site_url=self._site_url,
            writer_max_batch=positive_int(self._env, "QALB_WRITER_MAX_BATCH", 512),
            forwarded_allow_ips=self._forwarded_allow_ips,
            status_limit=rate_limit(self._get("QALB_STATUS_LIMIT", "60/3600"), "QALB_STATUS_LIMIT", "60/3600")
            or (60, 3600.0),
            status_reference_limit=rate_limit(self._get("QALB_STATUS_REFERENCE_LIMIT", "10/300"),
                                              "QALB_STATUS_REFERENCE_LIMIT", "10/300") or (10, 300.0),
            die_after_batches=_endpoint_fault(self._get("QALB_ENDPOINT_FAULT").strip()),
            die_at_upload_written=self._get("QALB_ENDPOINT_FAULT").strip() == UPLOAD_WRITTEN,
            hsts=self._hsts,
            clamd_address=_clamd_address(self._get("QALB_CLAMD_ADDRESS").strip() or DEFAULT_CLAMD_ADDRESS),
            accept_unscanned=_on_off(self._get("QALB_ACCEPT_UNSCANNED"), "QALB_ACCEPT_UNSCANNED"),
        )

    @functools.cached_property
    def staff(self) -> StaffSettings:
        return StaffSettings(
            **self._storage_values,
            staff_url=self._staff_url,
            idle_minutes=positive_int(self._env, "QALB_STAFF_IDLE_MINUTES", 30),
            absolute_hours=positive_int(self._env, "QALB_STAFF_ABSOLUTE_HOURS", 12),
            lock_threshold=positive_int(self._env, "QALB_STAFF_LOCK_AFTER", 5),
            lock_seconds=positive_int(self._env, "QALB_STAFF_LOCK_SECONDS", 60),
            sign_in_limit=rate_limit(self._get("QALB_STAFF_SIGN_IN_LIMIT", DEFAULT_SIGN_IN_LIMIT),
                                     "QALB_STAFF_SIGN_IN_LIMIT", "10/60"),
            site_dir=self._site_dir,
            forwarded_allow_ips=self._forwarded_allow_ips,
            report_min_group=positive_int(self._env, "QALB_REPORT_MIN_GROUP", 5),
            notify_email=self._smtp is not None,
            hsts=self._hsts,
            publish_command=_command(self._get("QALB_PUBLISH_COMMAND")),
            site_url=self._site_url_for_links,
        )

    @functools.cached_property
    def notify(self) -> NotifySettings:
        smtp, web = self._smtp, self.web
        sender = mail_address(self._env, "QALB_MAIL_FROM")
        if smtp is not None and sender is None:
            raise SettingsError('QALB_MAIL_FROM must be set when QALB_SMTP_URL is: the address messages come '
                                'from, such as "noreply@qalb.example".')
        password_file = path_setting(self.root, self._get("QALB_SMTP_PASSWORD_FILE"))
        if password_file is not None and smtp is not None and not smtp.username:
            raise SettingsError("QALB_SMTP_PASSWORD_FILE is set but QALB_SMTP_URL names no user: "
                                "write it as smtp://user@host:port.")
        fault, fault_after = _fault(self._get("QALB_NOTIFY_FAULT").strip())
        return NotifySettings(
            **self._storage_values,
            smtp=smtp,
            smtp_password=secret_file(password_file, "QALB_SMTP_PASSWORD_FILE") if smtp else "",
            mail_from=sender or ("", ""),
            staff_url=web.staff_url,
            site_url=web.site_url,
            lease=dt.timedelta(seconds=positive_int(self._env, "QALB_NOTIFY_LEASE_SECONDS",
                                                    DEFAULT_NOTIFY_LEASE_SECONDS)),
            poll_seconds=float(positive_int(self._env, "QALB_NOTIFY_POLL_SECONDS", 5)),
            fault=fault,
            fault_after=fault_after,
            webhook_secrets={name: secret_file(path_setting(self.root, value), name)
                             for name, value in sorted(self._env.items())
                             if WEBHOOK_SECRET_VARIABLE.match(name) and value.strip()},
            webhook_timeout=float(positive_int(self._env, "QALB_WEBHOOK_TIMEOUT_SECONDS", 10)),
            loopback_answers=self._get("QALB_WEBHOOK_TEST_LOOPBACK_ANSWERS").strip() == "1",
        )


def workspace_url(staff_url: str) -> str:
    """QALB_STAFF_URL with the workspace's /staff/ path once, whether or not it was given
    with it: setup links and staff alerts both start here."""
    base = staff_url if staff_url.endswith("/") else staff_url + "/"
    return base if base.endswith("/staff/") else base + "staff/"


#: Each section's class and its attribute on Config.
SECTIONS: dict[type, str] = {StorageSettings: "storage", WebSettings: "web", EndpointSettings: "endpoint",
                             StaffSettings: "staff", NotifySettings: "notify"}


def _fault(text: str) -> tuple[str, int]:
    """QALB_NOTIFY_FAULT: "point" or "point:N" (the Nth pass kills), or "" for none."""
    point, colon, count = text.partition(":")
    if text and point in FAULTS and (not colon or (count.isdecimal() and int(count) >= 1)):
        return point, int(count) if colon else 1
    if text:
        raise SettingsError(f"QALB_NOTIFY_FAULT is for tests only: {', '.join(FAULTS)}, each optionally with "
                            f":N (the Nth pass kills, N above 0); got \"{text}\".")
    return "", 1


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


def _command(value: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(value))
    except ValueError as exc:
        raise SettingsError(f"QALB_PUBLISH_COMMAND is not a command line ({exc}): quote it as in a shell.") from None


def _endpoint_fault(value: str) -> int:
    """QALB_ENDPOINT_FAULT's batch count for after-commit[:N]; 0 for none or upload-written."""
    if not value or value == UPLOAD_WRITTEN:
        return 0
    match = ENDPOINT_FAULT.match(value)
    if match is None:
        raise SettingsError("QALB_ENDPOINT_FAULT is for tests only: after-commit, after-commit:N or "
                            f'upload-written; got "{value}".')
    return int(match.group(1) or 1)


def _clamd_address(value: str) -> str:
    """QALB_CLAMD_ADDRESS: unix:/absolute/socket or tcp:host:port."""
    kind, _, rest = value.partition(":")
    host, _, port = rest.rpartition(":")
    if (kind == "unix" and rest.startswith("/")) or (
            kind == "tcp" and host and port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return value
    raise SettingsError(f'QALB_CLAMD_ADDRESS must be unix:/path/to/clamd.socket or tcp:host:port, '
                        f'such as "{DEFAULT_CLAMD_ADDRESS}" or "tcp:127.0.0.1:3310"; got "{value}".')


def _on_off(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in ("", "0", "off", "no", "false"):
        return False
    if text in ("1", "on", "yes", "true"):
        return True
    raise SettingsError(f'{name} must be 1 (on) or 0 (off); got "{value}".')


def _ours(name: str) -> bool:
    return name.startswith("QALB_") or name == "DATABASE_URL"


def config(root: Path) -> Config:
    """This process's settings for `root`. One `Config` per environment: a process
    reads its environment once; a test that changes a variable gets a new one."""
    return _config_for(root, tuple(sorted((name, value) for name, value in os.environ.items() if _ours(name))))


@functools.cache
def _config_for(root: Path, env: tuple[tuple[str, str], ...]) -> Config:
    return Config(root, dict(env))


def read_settings(kind: type[S], root: Path) -> S | None:
    """One section of this process's settings (e.g. `read_settings(EndpointSettings, root)`),
    or None after printing the one sentence that says which variable is wrong."""
    try:
        return config(root).section(kind)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def project_root(default: Path) -> Path:
    """The project folder when the command line names none: QALB_ROOT, else `default`."""
    return Path(os.environ.get("QALB_ROOT", default))


def chromium_setting() -> str | None:
    """QALB_CHROMIUM, else chromium on the PATH (None when there is none)."""
    return os.environ.get("QALB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def keep_browser_profile_in(folder: str) -> None:
    """Chromium writes its profile under the XDG folders: point them at `folder`
    (a temporary one) unless the environment names them, so $HOME stays clean."""
    os.environ.setdefault("XDG_CONFIG_HOME", folder)
    os.environ.setdefault("XDG_CACHE_HOME", folder)


def source_date(env: Mapping[str, str]) -> dt.date | None:
    """The build's date from SOURCE_DATE_EPOCH, so that a build is the same byte for byte
    whenever it is run (https://reproducible-builds.org/specs/source-date-epoch/);
    None when the variable is not set (the build is then dated today).

    A malformed value is refused here, before any work (`generator build` asks
    `build_date()`): MkDocs reads the variable too and would fail inside each
    language's worker.
    """
    text = env.get("SOURCE_DATE_EPOCH")
    if text is None:
        return None
    refusal = SettingsError("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 00:00 UTC, "
                            f'such as "1767225600"; got "{text}".')
    if not (text.isascii() and text.isdigit()):
        raise refusal
    try:
        return dt.datetime.fromtimestamp(int(text), dt.timezone.utc).date()
    except (OverflowError, OSError, ValueError) as exc:  # past the year 9999
        raise refusal from exc


def build_date() -> dt.date | None:
    """The date a build carries: SOURCE_DATE_EPOCH's (source_date), None for today."""
    return source_date(os.environ)

