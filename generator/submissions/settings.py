"""Where submissions are stored and where the keys are: read from environment
variables (DATABASE_URL, QALB_DATA_KEY_FILE, QALB_LOOKUP_KEY_FILE) with safe
defaults. Every variable is documented in docs/deploy.md; keep the two in step.
Each web app's settings extend these (endpoint/settings.py).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from generator.core.environment import SettingsError, path_setting

#: Relative SQLite paths are resolved against the project folder.
DEFAULT_DATABASE_URL = "sqlite:///data/submissions.db"
DEFAULT_KEY_DIR = Path("data") / "keys"


@dataclass(frozen=True, kw_only=True)
class StorageSettings:
    root: Path
    database_url: str = DEFAULT_DATABASE_URL
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

    @staticmethod
    def values_from_env(root: Path, env: Mapping[str, str]) -> dict[str, Any]:
        return {
            "root": root,
            "database_url": env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            "data_key_file": path_setting(root, env.get("QALB_DATA_KEY_FILE", "")),
            "lookup_key_file": path_setting(root, env.get("QALB_LOOKUP_KEY_FILE", "")),
        }

    @classmethod
    def from_env(cls, root: Path, env: Mapping[str, str] | None = None) -> StorageSettings:
        return cls(**cls.values_from_env(root, os.environ if env is None else env))
