"""Staff accounts: who may do what, and the secrets that prove who someone is.

* Passwords: at least 12 characters, refused when zxcvbn scores them below 3
  (common, guessable, or made of the person's own name or e-mail); stored as
  argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommendation).
* A TOTP second factor (RFC 6238, pyotp; 30 s steps, one step of drift either
  way), enrolled at setup. The secret is encrypted with the data key (crypto.py),
  bound to its account id; an accepted code's time step is remembered, so the
  same code cannot be used twice.
* 10 recovery codes of 120 random bits each (ASVS 2.6.2 asks at least 112), shown
  once, stored as sha256 digests (a fast hash is enough for 120 random bits; argon2
  is for what people choose), each good for one sign-in. Codes of 80 bits made
  before (16 letters) keep working until the person makes new ones or is reset.
* Each change to an account is told to the person by e-mail through the outbox
  (`tell`: kind "staff-account", when e-mail is set up). The last enabled admin
  (set up, not disabled) can be neither disabled nor made another role
  (`refuse_last_admin`). Changes after setup (an admin's edit, enabling again,
  one's own password and recovery codes) are in account_changes.py.
* Setup links: 256 random bits, stored as a digest, single use, 24 hours.
* A failed sign-in costs the same whether or not the e-mail exists: an unknown
  e-mail still runs one argon2 verification, against a dummy hash. From the 5th
  failure in a row the account waits, 1 minute doubling with each further
  failure (at most an hour); the sign-in page also limits posts per client.

Every outcome is written to the audit log (never a password, code or secret).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from generator.core.config import StaffSettings
from generator.submissions import audit
from generator.submissions.crypto import DataKeys
from generator.submissions.db.accounts import AccountRow
from generator.submissions.store import Store

from .request_data import typed_code
from .roles import ROLES

MIN_PASSWORD_LENGTH = 12
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable: moderate protection from offline attack"
RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 15  # 120 bits: 24 base32 letters
#: The lengths (letters, without dashes) a recovery code can have: today's, and the 80-bit codes made before.
RECOVERY_CODE_LENGTHS = (24, 16)
#: What the e-mail of a change to one's own account can be about (compose.py has the words of each).
ACCOUNT_EVENTS = ("setup", "password", "codes", "reset", "disabled", "enabled")
ISSUER = "Qalb staff"
Clock = Callable[[], dt.datetime]
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccountError(ValueError):
    """A command or admin form asked for something impossible; the message says what."""


class LastAdmin(AccountError):
    """The change would leave no enabled admin who can sign in."""


def password_problems(password: str, confirm: str | None = None, *, user_inputs: Sequence[str] = ()) -> list[str]:
    """Codes for what is wrong with a new password (templates.py has the words for each)."""
    if confirm is not None and password != confirm:
        return ["password-mismatch"]
    if len(password) < MIN_PASSWORD_LENGTH:
        return ["password-short"]
    # zxcvbn only looks at the first 100 characters' worth of patterns quickly; longer is fine.
    if zxcvbn(password[:100], user_inputs=[part for part in user_inputs if part])["score"] < MIN_STRENGTH:
        return ["password-weak"]
    return []


def new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode("ascii")  # 24 base32 letters
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise_code(text: str) -> str:
    """A recovery code as typed (any digits, spaces, hyphens, either case) as it was shown."""
    return typed_code(text).upper()


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the account, or None (one message for every failure)."""

    account: AccountRow | None
    used_recovery_code: bool = False


@dataclass(frozen=True)
class Setup:
    account: AccountRow
    secret: str  # base32, shown on the setup page while the link is valid


class Accounts:
    """Account operations over the store, with the data key (TOTP secrets), a clock and a hasher."""

    def __init__(self, store: Store, keys: DataKeys, settings: StaffSettings, *, clock: Clock = utc_clock,
                 hasher: PasswordHasher | None = None) -> None:
        self.store, self.keys, self.settings, self.clock = store, keys, settings, clock
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    # -- audit ------------------------------------------------------------------

    def audit(self, who: str, action: str, detail: str = "", form_id: str | None = None) -> None:
        audit.record(self.store, who=who, action=action, detail=detail, form_id=form_id, now=self.clock())

    def audit_refusal(self, who: str, action: str, client: str, detail: str, *, kind: str) -> None:
        """Refusals anyone can cause without an account: one row per client, `kind` and minute, counted."""
        audit.refused(self.store, who=who, action=action, client=client, kind=kind, detail=detail, now=self.clock())

    # -- accounts -----------------------------------------------------------------

    def add(self, email: str, *, name: str, role: str, forms: Sequence[str], known_forms: Sequence[str],
            by: str) -> str:
        """Create an account; return its setup link."""
        email = email.strip().lower()
        if not _EMAIL.fullmatch(email):
            raise AccountError(f'"{email}" is not an e-mail address')
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        if unknown := sorted(set(forms) - set(known_forms)):
            raise AccountError(f"there is no form {', '.join(unknown)}")
        if not name.strip():
            raise AccountError("the account needs a name")
        if self.store.account(email=email) is not None:
            raise AccountError(f"there is already an account for {email}")
        own_forms = [] if role in ("admin", "editor") else sorted(set(forms))
        account_id = self.store.add_account(email=email, name=name.strip(), role=role, forms=own_forms,
                                            at=self.clock())
        self.audit(by, "staff-account-add", f"{email} role={role}")
        return self._new_link(account_id)

    def _new_link(self, account_id: int) -> str:
        token = secrets.token_urlsafe(32)
        self.store.add_setup_link(account_id, digest(token),
                                  self.clock() + dt.timedelta(hours=self.settings.setup_link_hours))
        return f"{self.settings.base_url}setup/{token}"

    def find(self, email: str) -> AccountRow:
        account = self.store.account(email=email.strip().lower())
        if account is None:
            raise AccountError(f"there is no account for {email.strip().lower()}")
        return account

    def tell(self, account: AccountRow, event: str) -> None:
        """Queue the e-mail telling the person of a change to their account (when e-mail is set up)."""
        assert event in ACCOUNT_EVENTS, event
        if self.settings.notify_email:
            self.store.queue_account_message(account.email, account.language, json.dumps({"event": event}),
                                             self.clock())

    def refuse_last_admin(self, account: AccountRow) -> None:
        """AccountError when `account` is the last enabled, set-up admin (nobody could manage accounts)."""
        if account.role == "admin" and not account.disabled and account.password_hash is not None:
            others = [a for a in self.store.accounts() if a.id != account.id and a.role == "admin"
                      and not a.disabled and a.password_hash is not None]
            if not others:
                raise LastAdmin(f"{account.email} is the last enabled admin: add or enable another admin first")

    def disable(self, email: str, *, by: str) -> int:
        """Disable an account; its sessions and unused setup links end. Returns how many sessions ended."""
        account = self.find(email)
        self.refuse_last_admin(account)
        self.store.update_account(account.id, disabled=True)
        self.store.drop_setup_links(account.id)
        ended = self.store.end_sessions(account.id, self.clock())
        self.audit(by, "staff-account-disable", f"{account.email} sessions_ended={ended}")
        self.tell(account, "disabled")
        return ended

    def reset(self, email: str, *, by: str) -> str:
        """A new setup link; the password, second factor, recovery codes and sessions end."""
        account = self.find(email)
        self.store.update_account(account.id, password_hash=None, totp_secret=None, totp_last_step=0,
                                  disabled=False, failures=0, locked_until=None)
        self.store.replace_recovery_codes(account.id, [])
        ended = self.store.end_sessions(account.id, self.clock())
        self.audit(by, "staff-account-reset", f"{account.email} sessions_ended={ended}")
        self.tell(account, "reset")
        return self._new_link(account.id)

    # -- TOTP secrets, encrypted with the data key ----------------------------------

    def _seal(self, account_id: int, secret: str) -> str:
        return self.keys.encrypt(secret.encode("ascii"), f"staff-totp:{account_id}".encode("ascii"))

    def _open(self, account: AccountRow) -> str | None:
        if not account.totp_secret:
            return None
        return self.keys.decrypt(account.totp_secret, f"staff-totp:{account.id}".encode("ascii")).decode("ascii")

    def totp_step(self, secret: str, code: str) -> int | None:
        """The time step a code belongs to (now, or one step either side), or None."""
        code = typed_code(code)  # ١٢٣ ٤٥٦ as typed on an Arabic keyboard is 123456
        if not re.fullmatch(r"[0-9]{6}", code):
            return None
        totp = pyotp.TOTP(secret)
        now = self.clock().timestamp()
        for offset in (0, -1, 1):
            at = now + offset * totp.interval
            if secrets.compare_digest(totp.at(at), code):
                return int(at // totp.interval)
        return None

    def provisioning_uri(self, account: AccountRow, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)

    # -- setup links ------------------------------------------------------------------

    def setup(self, token: str, *, client: str = "") -> Setup | None:
        """The account a valid (unused, unexpired) link is for, with its TOTP secret to enrol
        (made on first opening, kept encrypted until the setup is done); None otherwise."""
        found = self.store.setup_link(digest(token)) if token else None
        if found is None or found[2] is not None or found[1] <= self.clock():
            why = "unknown" if found is None else ("used" if found[2] is not None else "expired")
            who = "unknown"
            if found is not None and (account := self.store.account(id=found[0])) is not None:
                who = account.email
            self.audit_refusal(who, "staff-setup-refused", client, f"link {why} client={client}", kind=why)
            return None
        account = self.store.account(id=found[0])
        if account is None:
            return None
        secret = self._open(account) if account.password_hash is None else None
        if secret is None:
            secret = pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends
            self.store.update_account(account.id, totp_secret=self._seal(account.id, secret), totp_last_step=0)
            account = self.store.account(id=account.id) or account
        return Setup(account, secret)

    def complete_setup(self, token: str, setup: Setup, password: str, code: str) -> list[str]:
        """Set the password and confirm the second factor. Returns the recovery codes
        (shown once); raises AccountError with problem codes when something is wrong."""
        problems = password_problems(password, user_inputs=[setup.account.email, setup.account.name,
                                                            *setup.account.email.split("@")])
        step = self.totp_step(setup.secret, code)
        if step is None:
            problems.append("code-wrong")
        if problems:  # which rules failed, never what was typed
            self.audit(setup.account.email, "staff-setup-problem", " ".join(problems))
            raise AccountError(" ".join(problems))
        if not self.store.use_setup_link(digest(token), self.clock()):
            raise AccountError("link-used")
        codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
        self.store.update_account(setup.account.id, password_hash=self.hasher.hash(password), failures=0,
                                  locked_until=None, totp_last_step=step)
        self.store.replace_recovery_codes(setup.account.id, [digest(normalise_code(c)) for c in codes])
        self.audit(setup.account.email, "staff-setup", "password set, second factor enrolled, recovery codes made")
        self.tell(setup.account, "setup")
        return codes

    # -- sign-in ----------------------------------------------------------------------------

    def dummy_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(24))
        return self._dummy_hash

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return bool(self.hasher.verify(stored or self.dummy_hash(), password)) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def password_is(self, stored: str | None, password: str) -> bool:
        """One argon2 verification, against a dummy hash when there is no stored one (then False)."""
        return self._verify(stored, password)

    def sign_in(self, email: str, password: str, code: str, *, client: str = "") -> SignIn:
        """Check e-mail, password and code (or a recovery code). Exactly one argon2
        verification runs whatever the outcome, so an unknown e-mail costs the same."""
        account = self.store.account(email=email.strip().lower()) if _EMAIL.fullmatch(email.strip()) else None
        now = self.clock()
        usable = account is not None and not account.disabled and account.password_hash and account.totp_secret
        locked = account is not None and account.locked_until is not None and account.locked_until > now
        password_ok = self._verify(account.password_hash if account and usable and not locked else None, password)
        if account is None or not usable:
            why = "no such account" if account is None else "account not usable"
            self.audit_refusal(account.email if account else "unknown", "staff-sign-in-failure", client,
                               f"{why} client={client}", kind=why)
            return SignIn(None)
        if locked:
            self.audit_refusal(account.email, "staff-sign-in-failure", client,
                               f"account waiting after failures client={client}", kind="waiting")
            return SignIn(None)
        second, recovery = False, False
        if password_ok:
            secret = self._open(account)
            step = self.totp_step(secret, code) if secret else None
            if step is not None:
                second = self.store.use_totp_step(account.id, step)
            elif len(normalise_code(code)) in RECOVERY_CODE_LENGTHS:
                second = recovery = self.store.use_recovery_code(account.id, digest(normalise_code(code)), now)
        if not (password_ok and second):
            failures, until = self.store.record_failure(
                account.id, threshold=self.settings.lock_threshold, now=now,
                base_delay=dt.timedelta(seconds=self.settings.lock_seconds),
                max_delay=dt.timedelta(seconds=self.settings.lock_max_seconds))
            what = "password" if not password_ok else "code"
            self.audit(account.email, "staff-sign-in-failure", f"wrong {what} failures={failures} client={client}")
            if until is not None:
                self.audit(account.email, "staff-lock", f"waits until {until.isoformat(timespec='seconds')}")
            return SignIn(None)
        if account.failures or account.locked_until:
            self.store.update_account(account.id, failures=0, locked_until=None)
        if recovery:
            self.audit(account.email, "staff-recovery-code-used",
                       f"{self.store.unused_recovery_codes(account.id)} left")
        return SignIn(self.store.account(id=account.id), used_recovery_code=recovery)

    def set_language(self, account: AccountRow, language: str) -> None:
        self.store.update_account(account.id, language=language)
        self.audit(account.email, "staff-language", language)

    def set_notifications(self, account: AccountRow, *, alerts: bool, digest: bool) -> None:
        """The account's own choices: an e-mail alert of each new submission, a daily digest."""
        self.store.update_account(account.id, alerts=alerts, digest=digest)
        self.audit(account.email, "staff-notify-choice", f"alerts={'on' if alerts else 'off'} "
                                                         f"digest={'on' if digest else 'off'}")


def visible_forms(account: AccountRow, known: Sequence[str]) -> list[str]:
    """The forms an account may see: every form for admins, their own for the others."""
    return list(known) if account.role == "admin" else [f for f in known if f in account.forms]


def describe(account: AccountRow, now: dt.datetime) -> dict[str, Any]:
    """The state of an account in words for `staff list` and the accounts page."""
    if account.disabled:
        state = "disabled"
    elif account.password_hash is None:
        state = "setup-pending"
    elif account.locked_until is not None and account.locked_until > now:
        state = "waiting"
    else:
        state = "active"
    return {"email": account.email, "name": account.name, "role": account.role, "forms": list(account.forms),
            "state": state, "id": account.id}
