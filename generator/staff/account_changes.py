"""Changes to an existing account after its setup: an admin's edit of its name, role and
forms and enabling it again (admin.py); the person's own new password and recovery codes
(own_account.py). Each is audited and told to the person by e-mail (`Accounts.tell`);
disabling and resetting, which the command line does too, are in accounts.py.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Sequence

from generator.submissions.db.accounts import AccountRow

from .accounts import (
    RECOVERY_CODES,
    AccountError,
    Accounts,
    digest,
    new_recovery_code,
    normalise_code,
    password_problems,
)
from .roles import ROLES


def edit(accounts: Accounts, account_id: int, *, name: str, role: str, forms: Sequence[str],
         known_forms: Sequence[str], by: str) -> AccountRow:
    """Change an account's name, role and forms; audited with what they were and became.
    Never makes the last enabled admin another role (LastAdmin)."""
    store = accounts.store
    account = store.account(id=account_id)
    if account is None:
        raise AccountError(f"there is no account {account_id}")
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if unknown := sorted(set(forms) - set(known_forms)):
        raise AccountError(f"there is no form {', '.join(unknown)}")
    if not name.strip() or len(name) > 200 or not name.isprintable():  # no NUL or control characters
        raise AccountError("the account needs a name")
    if role != "admin":
        accounts.refuse_last_admin(account)
    after = {"name": name.strip(), "role": role, "forms": [] if role == "admin" else sorted(set(forms))}
    before = {"name": account.name, "role": account.role, "forms": list(account.forms)}
    if after != before:
        store.update_account(account.id, **after)
        accounts.audit(by, "staff-account-edit", f"{account.email} before={json.dumps(before, ensure_ascii=False)} "
                                                 f"after={json.dumps(after, ensure_ascii=False)}")
    return store.account(id=account.id) or account


def enable(accounts: Accounts, email: str, *, by: str) -> None:
    """A disabled account works again (its password and second factor as they were)."""
    account = accounts.find(email)
    if account.disabled:
        accounts.store.update_account(account.id, disabled=False, failures=0, locked_until=None)
        accounts.audit(by, "staff-account-enable", f"{account.email} before=disabled after=enabled")
        accounts.tell(account, "enabled")


def check_current_password(accounts: Accounts, account: AccountRow, password: str) -> None:
    """AccountError("password-current-wrong") unless `password` is the account's; a wrong one
    counts as a failed sign-in (the same wait), so a borrowed session cannot guess it."""
    store, settings = accounts.store, accounts.settings
    fresh = store.account(id=account.id) or account
    now = accounts.clock()
    locked = fresh.locked_until is not None and fresh.locked_until > now
    if accounts.password_is(fresh.password_hash if not locked else None, password) and not locked:
        return
    if not locked:
        store.record_failure(fresh.id, threshold=settings.lock_threshold, now=now,
                             base_delay=dt.timedelta(seconds=settings.lock_seconds),
                             max_delay=dt.timedelta(seconds=settings.lock_max_seconds))
    accounts.audit(fresh.email, "staff-password-refused",
                   "current password wrong" + (" (waiting after failures)" if locked else ""))
    raise AccountError("password-current-wrong")


def change_password(accounts: Accounts, account: AccountRow, *, current: str, new: str, confirm: str,
                    keep_session: str) -> int:
    """Set a new password (the current one required, the setup's rules); every other session
    of the account ends. Returns how many ended; raises AccountError with problem codes."""
    check_current_password(accounts, account, current)
    problems = password_problems(new, confirm, user_inputs=[account.email, account.name, *account.email.split("@")])
    if problems:
        accounts.audit(account.email, "staff-password-refused", " ".join(problems))
        raise AccountError(" ".join(problems))
    accounts.store.update_account(account.id, password_hash=accounts.hasher.hash(new), failures=0,
                                  locked_until=None)
    ended = accounts.store.end_other_sessions(account.id, keep_session, accounts.clock())
    accounts.audit(account.email, "staff-password-change", f"other sessions ended={ended}")
    accounts.tell(account, "password")
    return ended


def renew_recovery_codes(accounts: Accounts, account: AccountRow, *, current: str) -> list[str]:
    """New recovery codes (the current password required); the old ones stop working."""
    check_current_password(accounts, account, current)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    accounts.store.replace_recovery_codes(account.id, [digest(normalise_code(c)) for c in codes])
    accounts.audit(account.email, "staff-recovery-codes-new", f"{RECOVERY_CODES} made, the old ones ended")
    accounts.tell(account, "codes")
    return codes
