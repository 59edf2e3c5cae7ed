"""Round-trip YAML in the layout of our content files: sequences indented 2 under their key,
flow mappings and `|` blocks kept, no line folding, comments and key order kept. A file read and
written unchanged comes back byte for byte (tests/editor/test_yamlfile.py checks every file)."""
from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 100_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _dedent(text: str) -> str:
    """A file that is a list starts its items at column 0 (ruamel indents them by the offset)."""
    return "".join(line[2:] if line.startswith("  ") else line for line in text.splitlines(True))


def load(text: str) -> Any:
    return _yaml().load(text)


def dump(data: Any) -> str:
    out = io.StringIO()
    _yaml().dump(data, out, transform=_dedent if isinstance(data, list) else None)
    return out.getvalue()


def styled(old: Any, new: str) -> Any:
    """`new` written in the style of the value it replaces: a `|` block stays a block (ending in a
    newline), quotes stay, and text that now spans lines becomes a block."""
    if not new:  # '' (a plain empty value would keep the block's `|`, ruamel remembers the key's style)
        return SingleQuotedScalarString("")
    if isinstance(old, LiteralScalarString) or "\n" in new:
        return LiteralScalarString(new.rstrip("\n") + "\n")
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return new
