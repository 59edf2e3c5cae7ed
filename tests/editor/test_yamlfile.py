"""The editor writes the files people edit by hand: every content and form file read and
written back unchanged is byte for byte the same, and one changed value is one changed line."""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from generator import PROJECT_ROOT
from generator.editor import yamlfile
from generator.editor.catalogue import Ref, apply, find, values_of

FILES = sorted(p for p in [*(PROJECT_ROOT / "content").glob("*.yml"), *(PROJECT_ROOT / "forms").glob("*.yml")]
               if p.name != "translations.lock.yml")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_file_comes_back_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yamlfile.dump(yamlfile.load(text)) == text


@pytest.mark.parametrize(("ref", "lang", "field"), [
    (Ref("faq", "questions", "how-to-volunteer"), "en", "answer"),  # a | block
    (Ref("faq", "topics", "help"), "ar", ""),  # `ar: text`
    (Ref("services", "-", "help-request"), "en", "timeline"),  # a file that is a list
])
def test_one_word_changed_is_one_line_changed(ref: Ref, lang: str, field: str) -> None:
    text = (PROJECT_ROOT / ref.file).read_text(encoding="utf-8")
    data = yamlfile.load(text)
    entry = find(data, ref)
    typed = values_of(entry, ref.spec)
    typed[lang][field] = typed[lang][field].replace(" ", "  X ", 1)
    assert apply(entry, ref.spec, typed) == [(lang, field)]
    diff = [line for line in difflib.unified_diff(text.splitlines(), yamlfile.dump(data).splitlines(), lineterm="", n=0)
            if line.startswith(("+", "-")) and not line.startswith(("+++", "---"))]
    assert len(diff) == 2 and " X " in diff[1], diff


def test_an_emptied_block_is_written_empty_and_a_new_line_makes_a_block() -> None:
    data = yamlfile.load("a: |\n  one\nb: two\n")
    data["a"] = yamlfile.styled(data["a"], "")
    data["b"] = yamlfile.styled(data["b"], "two\nthree")
    assert yamlfile.dump(data) == "a: ''\nb: |\n  two\n  three\n"
