"""What an attacker with the database (not the keys) sees: the raw bytes of the
SQLite files (with -wal and -shm) or a pg_dump of the PostgreSQL database."""
from __future__ import annotations

import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.samples import valid_answers


def raw_database(store_url: str, request: pytest.FixtureRequest) -> bytes:
    if store_url.startswith("sqlite:///"):
        db = Path(store_url[len("sqlite:///"):])
        files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
        assert db in files
        return b"".join(p.read_bytes() for p in sorted(files))
    server = request.getfixturevalue("postgres")
    done = subprocess.run([str(server.bin_dir / "pg_dump"), "--dbname", store_url], capture_output=True,
                          timeout=60, check=True)
    return done.stdout


def canary_answers(form: Any) -> tuple[dict[str, Any], list[str]]:
    """A valid post whose every free-text field holds a value seen nowhere else,
    and those values (to look for)."""
    answers, canaries = valid_answers(form), []
    for field in form.fields:
        if field.type != "string" or field.options:
            continue
        c = field.constraints
        if field.format == "email":
            value = f"canary{secrets.token_hex(6)}@example.org"
        elif c.get("pattern"):
            digits = "".join(str(secrets.randbelow(10)) for _ in range(8))
            candidates = ["05" + digits, "1" + digits + "7", "+9665" + digits]
            value = next(v for v in candidates if re.fullmatch(f"(?a:{c['pattern']})", v))
        else:
            value = f"qcanary{secrets.token_hex(6)}"[: c.get("maxLength", 100)]
        answers[field.name] = value
        canaries.append(value)
    return answers, canaries
