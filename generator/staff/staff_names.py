"""Staff by name: assignees and actors are stored as e-mail addresses, and looked up when
shown, so a renamed account shows its new name (an address no account has is shown as is)."""
from __future__ import annotations

from generator.submissions.store import Store


def names_by_email(store: Store) -> dict[str, str]:
    return {account.email: account.name for account in store.accounts() if account.name}
