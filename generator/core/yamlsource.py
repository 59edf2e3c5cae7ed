"""YAML (and Markdown front matter) that remembers line numbers.

PyYAML drops positions once it has built Python objects, and silently keeps
the last of two equal keys. Staff need both: errors that name the line, and a
duplicate key reported instead of half of an item vanishing. So the loader
below builds dicts and lists that carry the line of each key and item.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .problems import N_, Problems


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself (`line`) and of each key (`lines`)."""

    line: int = 1
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    if TYPE_CHECKING:  # for the type checker only: values are YAML, each checked for its kind where read
        def get(self, key: str, default: Any = None) -> Any: ...


class LineList(list[Any]):
    line: int = 1
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~12x faster, same marks


class _Loader(_BaseLoader):
    """SafeLoader (libyaml's when present) that records positions and collects duplicate keys."""

    def __init__(self, stream: str, *, path: str, problems: Problems, line_offset: int):
        super().__init__(stream)
        self.path = path
        self.problems = problems
        self.line_offset = line_offset

    def _line(self, node: yaml.Node) -> int:
        line: int = node.start_mark.line  # a yaml Mark; PyYAML's stubs leave it untyped
        return line + 1 + self.line_offset

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = self._line(node)
        result.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                self.problems.error(
                    self.path, self._line(key_node), "duplicate-key",
                    N_('The key "%(key)s" appears twice in the same item (first on line %(first)s). '
                       "Keep one and delete the other."), key=key, first=result.lines[key],
                )
                continue
            result[key] = self.construct_object(value_node, deep=True)
            result.lines[key] = self._line(key_node)
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = self._line(node)
        result.lines = [self._line(child) for child in node.value]
        return result


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    return loader.construct_mapping(node, deep=True)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    return loader.construct_sequence(node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse_yaml(text: str, *, path: str, problems: Problems, line_offset: int = 0) -> Any:
    """Parse YAML text; on a syntax error, record it (with its line) and return None."""
    loader = _Loader(text, path=path, problems=problems, line_offset=line_offset)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken thing began (an unclosed quote, a
        # list): closer to the mistake than where the parser finally gave up.
        mark = exc.context_mark or exc.problem_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        what = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        problems.error(
            path, line, "invalid-yaml",
            N_("This is not valid YAML (%(what)s). Check the indentation and that any text "
               "containing a colon (:) or starting with a quote is wrapped in quotes."), what=what,
        )
        return None
    except yaml.YAMLError as exc:  # e.g. a reader error on control characters
        problems.error(path, 1 + line_offset, "invalid-yaml", N_("This is not valid YAML (%(what)s)."),
                       what=str(exc))
        return None
    finally:
        loader.dispose()


def read_text(path: Path, *, rel: str, problems: Problems) -> str | None:
    """Read a UTF-8 file; a wrong encoding is reported, not raised."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(rel, 1, "unreadable", N_("The file cannot be read (%(reason)s)."),
                       reason=exc.strerror)
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(
            rel, line, "encoding",
            N_("The file is not saved as UTF-8. Open it in your editor and save it again "
               'with the encoding "UTF-8".'),
        )
        return None
    return text.replace("\r\n", "\n")


def load_yaml_file(path: Path, *, rel: str, problems: Problems) -> Any:
    text = read_text(path, rel=rel, problems=problems)
    return None if text is None else parse_yaml(text, path=rel, problems=problems)


@dataclass
class FrontMatterDocument:
    meta: LineDict
    body: str
    body_line: int  # the file line where the body starts


def parse_front_matter(text: str, *, path: str, problems: Problems) -> FrontMatterDocument | None:
    """Split `---` YAML front matter from a Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error(
            path, 1, "missing-front-matter",
            N_('The file must start with a front matter block: a line "---", lines such as '
               '"title: ...", then another line "---".'),
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        problems.error(
            path, 1, "invalid-front-matter",
            N_('The front matter that starts on line 1 is never closed: add a line "---" after it.'),
        )
        return None
    meta = parse_yaml("\n".join(lines[1:end]), path=path, problems=problems, line_offset=1)
    if meta is None:
        meta = LineDict()
        meta.line, meta.lines = 2, {}
    if not isinstance(meta, LineDict):
        problems.error(path, 2, "invalid-front-matter",
                       N_('The front matter must be lines of "key: value".'))
        return None
    return FrontMatterDocument(meta=meta, body="\n".join(lines[end + 1:]), body_line=end + 2)
