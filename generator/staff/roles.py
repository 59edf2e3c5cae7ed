"""The roles a staff account can have, in the order the admins' page offers them.

A new role is one more word here; it also needs its words (templates.role_names, a
test fails without them), the CHECK of `staff_accounts.role` (a migration step) and
what it may see (guards.py, accounts.visible_forms). Kept apart from accounts.py so
the command line can offer the roles without loading the password libraries.
"""
from __future__ import annotations

ROLES = ("admin", "caseworker", "viewer", "editor")
