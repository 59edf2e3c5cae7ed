"""The staff account tables (migrations.py, step 4): `staff_accounts`, their
`staff_recovery_codes` and `staff_setup_links`. Only digests, hashes and the
encrypted TOTP secret are stored; what they mean is generator/staff/accounts.py.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Sequence

from .connection import Database

ACCOUNT_COLUMNS = ("id, email, name, role, forms, language, password_hash, totp_secret, totp_last_step, "
                   "disabled, failures, locked_until, created_at, alerts, digest")


@dataclass(frozen=True)
class AccountRow:
    id: int
    email: str
    name: str
    role: str
    forms: tuple[str, ...] = ()
    language: str = "ar"
    password_hash: str | None = None
    totp_secret: str | None = None  # encrypted (crypto.DataKeys), never the secret itself
    totp_last_step: int = 0
    disabled: bool = False
    failures: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    #: E-mail alerts of each new submission (migration step 6; on unless the account turns them off).
    alerts: bool = True
    #: One daily digest e-mail of new and overdue submissions (step 9; off unless chosen).
    digest: bool = False


class AccountQueries(Database):
    def _account(self, row: Sequence[Any]) -> AccountRow:
        (id_, email, name, role, forms, language, password_hash, totp_secret, last_step, disabled, failures,
         locked_until, created_at, alerts, digest) = row
        return AccountRow(id=int(id_), email=email, name=name, role=role, forms=tuple(json.loads(forms)),
                          language=language, password_hash=password_hash, totp_secret=totp_secret,
                          totp_last_step=int(last_step), disabled=bool(disabled), failures=int(failures),
                          locked_until=self._time_from_db(locked_until) if locked_until is not None else None,
                          created_at=self._time_from_db(created_at), alerts=bool(alerts), digest=bool(digest))

    def add_account(self, *, email: str, name: str, role: str, forms: Sequence[str], at: dt.datetime) -> int:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO staff_accounts (email, name, role, forms, created_at) "
                                  "VALUES (?, ?, ?, ?, ?)"),
                        (email, name, role, json.dumps(list(forms)), self._time_to_db(at)))
            cur.execute(self._sql("SELECT id FROM staff_accounts WHERE email = ?"), (email,))
            return int(cur.fetchone()[0])

    def account(self, *, email: str | None = None, id: int | None = None) -> AccountRow | None:
        column, value = ("email", email) if email is not None else ("id", id)
        cur = self._conn().cursor()
        cur.execute(self._sql(f"SELECT {ACCOUNT_COLUMNS} FROM staff_accounts WHERE {column} = ?"), (value,))
        row = cur.fetchone()
        return self._account(row) if row else None

    def accounts(self) -> list[AccountRow]:
        cur = self._conn().cursor()
        cur.execute(f"SELECT {ACCOUNT_COLUMNS} FROM staff_accounts ORDER BY email")
        return [self._account(row) for row in cur.fetchall()]

    def update_account(self, account_id: int, **values: Any) -> None:
        """Set columns of one account (names from ACCOUNT_COLUMNS only)."""
        allowed = set(ACCOUNT_COLUMNS.replace(" ", "").split(",")) - {"id", "email", "created_at"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot update {sorted(set(values) - allowed)}")
        params = []
        for name, value in values.items():
            if isinstance(value, dt.datetime):
                value = self._time_to_db(value)
            elif name == "forms":
                value = json.dumps(list(value))
            elif isinstance(value, bool):
                value = int(value)
            params.append(value)
        with self._transaction() as cur:
            cur.execute(self._sql(f"UPDATE staff_accounts SET {', '.join(f'{n} = ?' for n in values)} WHERE id = ?"),
                        (*params, account_id))

    def record_failure(self, account_id: int, *, threshold: int, now: dt.datetime,
                       base_delay: dt.timedelta, max_delay: dt.timedelta) -> tuple[int, dt.datetime | None]:
        """Count one failed sign-in; from `threshold` failures on, lock for a delay that
        doubles with each further failure. Returns (failures, locked until or None)."""
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT failures FROM staff_accounts WHERE id = ?"), (account_id,))
            failures = int(cur.fetchone()[0]) + 1
            until = None
            if failures >= threshold:
                until = now + min(max_delay, base_delay * (2 ** (failures - threshold)))
            cur.execute(self._sql("UPDATE staff_accounts SET failures = ?, locked_until = ? WHERE id = ?"),
                        (failures, self._time_to_db(until) if until else None, account_id))
        return failures, until

    def use_totp_step(self, account_id: int, step: int) -> bool:
        """Remember the time step of an accepted code; False if it (or a later one) was used."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?"),
                        (step, account_id, step))
            return int(cur.rowcount) == 1

    # -- recovery codes -------------------------------------------------------

    def replace_recovery_codes(self, account_id: int, digests: Sequence[str]) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM staff_recovery_codes WHERE account_id = ?"), (account_id,))
            cur.executemany(self._sql("INSERT INTO staff_recovery_codes (account_id, digest) VALUES (?, ?)"),
                            [(account_id, digest) for digest in digests])

    def use_recovery_code(self, account_id: int, digest: str, at: dt.datetime) -> bool:
        """Mark an unused code used; False when there is none with this digest."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_recovery_codes SET used_at = ? "
                                  "WHERE account_id = ? AND digest = ? AND used_at IS NULL"),
                        (self._time_to_db(at), account_id, digest))
            return int(cur.rowcount) == 1

    def unused_recovery_codes(self, account_id: int) -> int:
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT COUNT(*) FROM staff_recovery_codes WHERE account_id = ? AND used_at IS NULL"),
                    (account_id,))
        return int(cur.fetchone()[0])

    # -- setup links ----------------------------------------------------------

    def add_setup_link(self, account_id: int, digest: str, expires_at: dt.datetime) -> None:
        """A new link; any earlier unused link of the account stops working."""
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM staff_setup_links WHERE account_id = ? AND used_at IS NULL"),
                        (account_id,))
            cur.execute(self._sql("INSERT INTO staff_setup_links (digest, account_id, expires_at) VALUES (?, ?, ?)"),
                        (digest, account_id, self._time_to_db(expires_at)))

    def drop_setup_links(self, account_id: int) -> int:
        """Unused links of an account stop working (it was disabled)."""
        with self._transaction() as cur:
            cur.execute(self._sql("DELETE FROM staff_setup_links WHERE account_id = ? AND used_at IS NULL"),
                        (account_id,))
            return int(cur.rowcount)

    def setup_link(self, digest: str) -> tuple[int, dt.datetime, dt.datetime | None] | None:
        """(account id, expires at, used at) of a link, or None."""
        cur = self._conn().cursor()
        cur.execute(self._sql("SELECT account_id, expires_at, used_at FROM staff_setup_links WHERE digest = ?"),
                    (digest,))
        row = cur.fetchone()
        if row is None:
            return None
        return int(row[0]), self._time_from_db(row[1]), self._time_from_db(row[2]) if row[2] is not None else None

    def use_setup_link(self, digest: str, at: dt.datetime) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE staff_setup_links SET used_at = ? WHERE digest = ? AND used_at IS NULL "
                                  "AND expires_at > ?"),
                        (self._time_to_db(at), digest, self._time_to_db(at)))
            return int(cur.rowcount) == 1
