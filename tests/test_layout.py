"""The layout rules of generator/, read from the code itself.

Each package's __init__.py docstring has a line "May import: ..." naming the
packages of ours it may import; this test reads every import in the syntax
tree (inside functions too) and fails on an arrow the docstring does not
allow, on an import circle between modules, and on environment variables read
anywhere but core/config.py. Only cli.py (and __main__.py) may import everything.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from generator import PROJECT_ROOT

PACKAGE_ROOT = PROJECT_ROOT / "generator"
#: Modules that may import any package: the command line is where the parts meet.
IMPORTS_EVERYTHING = {"generator.cli", "generator.__main__"}
#: The one module that reads environment variables.
READS_ENVIRONMENT = "generator.core.config"
#: A string that is exactly one of our variables' names, e.g. "QALB_SMTP_URL" (a sentence mentioning one is not).
VARIABLE_NAME = re.compile(r"(QALB_[A-Z0-9_]*|DATABASE_URL|XDG_[A-Z_]+|SOURCE_DATE_EPOCH)\Z")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[tuple[int, str]]:
    """(line, module of ours) for every import in the file, wherever it stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "generator":
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "generator":
                continue
            for alias in node.names:  # `from generator.core import i18n` imports the module i18n
                full = f"{target}.{alias.name}"
                yield node.lineno, full if full in known else target


def top_package(module: str) -> str:
    """generator.submissions.db.sqlite -> submissions; generator.cli -> cli; generator -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def allowed_packages() -> dict[str, set[str]]:
    """Package -> the packages its docstring's "May import:" sentence names (and itself)."""
    rules = {}
    names = {path.parent.name for path in PACKAGE_ROOT.glob("*/__init__.py")}
    for package in names:
        doc = ast.get_docstring(ast.parse((PACKAGE_ROOT / package / "__init__.py").read_text(encoding="utf-8"))) or ""
        match = re.search(r"May import:\s*([^.]*)\.", doc)
        assert match, f"generator/{package}/__init__.py: the docstring must say 'May import: ...'"
        rules[package] = {package} | (set(re.findall(r"[a-z]+", match[1])) & names)
    return rules


def test_every_package_says_what_it_is_for_and_may_import() -> None:
    for init in sorted(PACKAGE_ROOT.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc.split()) >= 15, f"{init.relative_to(PROJECT_ROOT)}: say what the package is for"
        assert "May import:" in doc or init.parent == PACKAGE_ROOT, f"{init.relative_to(PROJECT_ROOT)}: say what it may import"


def test_imports_follow_the_packages_rules() -> None:
    rules, known = allowed_packages(), set(modules())
    wrong = []
    for name, path in modules().items():
        if name in IMPORTS_EVERYTHING or top_package(name) == "":
            continue
        allowed = rules[top_package(name)]
        for line, target in imports_of(name, path, known):
            if top_package(target) not in allowed | {""}:
                wrong.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: imports {target}")
    assert wrong == []


def test_no_module_imports_cli() -> None:
    known = set(modules())
    for name, path in modules().items():
        for line, target in imports_of(name, path, known):
            assert target not in IMPORTS_EVERYTHING or name in IMPORTS_EVERYTHING, f"{path}:{line}"


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in the graph, as a path that returns to its start, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def import_graph() -> dict[str, set[str]]:
    known = set(modules())
    return {name: {target for _, target in imports_of(name, path, known) if target != name and target in known}
            for name, path in modules().items()}


def test_no_import_circles() -> None:
    assert find_circle(import_graph()) is None, " -> ".join(find_circle(import_graph()) or [])


def test_the_circle_finder_finds_circles() -> None:
    # The check above must be able to fail: a circle through three modules, and one through a function's import.
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None


def environment_reads(source: str) -> list[str]:
    """What in `source` reads the environment: os.environ / os.getenv, or a string
    that is a variable's name (passed to a parser or to env.get, or kept for later).
    A piece of an f-string is not a name: forms/model.py spells a webhook's variable."""
    found = [f"line {number}: {match[0]}" for number, line in enumerate(source.splitlines(), 1)
             for match in re.finditer(r"\bos\.environ\b|\bos\.getenv\b|\bgetenv\(|\benviron\b", line)]
    tree = ast.parse(source)
    pieces = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in pieces and isinstance(node.value, str) and VARIABLE_NAME.match(node.value):
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_environment_is_read_in_one_module() -> None:
    readers = {f"{path.relative_to(PROJECT_ROOT)}: {found}" for name, path in modules().items()
               if name != READS_ENVIRONMENT and (found := environment_reads(path.read_text(encoding="utf-8")))}
    assert readers == set()


def test_the_environment_check_can_fail() -> None:
    assert environment_reads('import os\nos.environ.get("HOME")\n') == ["line 2: os.environ"]
    assert environment_reads('positive_int(env, "QALB_RATE_LIMIT", 5)\n') == ["line 1: 'QALB_RATE_LIMIT'"]
    assert environment_reads('env.get("DATABASE_URL")\n') == ["line 1: 'DATABASE_URL'"]
    assert environment_reads('print("error: QALB_SMTP_URL is not set")\n') == []
    assert environment_reads('def f():\n    """Reads QALB_CHROMIUM."""\n') == []


def test_imports_inside_functions_are_read(tmp_path: Path) -> None:
    path = PACKAGE_ROOT / "core" / "problems.py"
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from generator.site import build\n", encoding="utf-8")
    found = list(imports_of("generator.core.sample", source, set(modules())))
    assert found == [(2, "generator.site.build")] and path.exists()
