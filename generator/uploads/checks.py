"""Checks on an uploaded file's content, never its name or declared type."""
from __future__ import annotations


class FileRefused(Exception):
    """A file the form will not take; `code` is the field's error code (forms/error_texts.py):
    file-type, file-unsafe, file-damaged, file-infected. `detail` is for the log (never personal)."""

    def __init__(self, code: str, *, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail
