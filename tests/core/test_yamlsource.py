"""core/yamlsource.py: YAML and front matter that keep the line of every key and item,
report a duplicate key instead of keeping the last, and report a broken file by its line."""
from __future__ import annotations

from generator.core.problems import Problems
from generator.core.yamlsource import (
    LineDict,
    LineList,
    load_yaml_file,
    parse_front_matter,
    parse_yaml,
    read_text,
)

HINT = ("Check the indentation and that any text containing a colon (:) or starting with a quote "
        "is wrapped in quotes.")


def _parse(text: str, line_offset: int = 0) -> tuple[object, list[str]]:
    problems = Problems()
    data = parse_yaml(text, path="content/x.yml", problems=problems, line_offset=line_offset)
    return data, [str(problem) for problem in problems.items]


def test_mappings_and_lists_know_the_line_of_each_key_and_item():
    data, problems = _parse("title: Home\n\nitems:\n  - one\n  - two: 2\n    three: 3\n")
    assert problems == []
    assert data == {"title": "Home", "items": ["one", {"two": 2, "three": 3}]}
    assert isinstance(data, LineDict)
    assert (data.line, data.lines) == (1, {"title": 1, "items": 3})
    items = data["items"]
    assert isinstance(items, LineList)
    assert (items.line, items.lines) == (4, [4, 5])
    assert items[1].lines == {"two": 5, "three": 6}


def test_line_of_falls_back_to_the_line_of_the_whole():
    data, _ = _parse("intro: text\nitem:\n  - a\n  - b\n")
    assert data.line_of("intro") == 1
    assert data.line_of("missing") == 1
    assert data["item"].line_of(1) == 4
    assert data["item"].line_of(5) == 3  # past the end: the list's own line
    assert data["item"].line_of(-1) == 3


def test_a_line_offset_moves_every_line_and_problem():
    data, _ = _parse("a: 1\nb: 2\n", line_offset=5)
    assert data.lines == {"a": 6, "b": 7}
    _, problems = _parse("a: 'open\n", line_offset=5)
    assert problems == ["content/x.yml:6: [invalid-yaml] This is not valid YAML (while scanning a quoted scalar "
                        f"found unexpected end of stream). {HINT}"]


def test_a_duplicate_key_is_reported_and_the_first_value_kept():
    data, problems = _parse("a: 1\nb: 2\na: 3\n")
    assert data == {"a": 1, "b": 2}
    assert problems == ['content/x.yml:3: [duplicate-key] The key "a" appears twice in the same item '
                        "(first on line 1). Keep one and delete the other."]


def test_keys_that_are_not_text_become_text():
    data, problems = _parse("1: one\ntrue: yes\n")
    assert problems == []
    assert list(data) == ["1", "True"]


def test_merge_keys_are_applied():
    data, problems = _parse("base: &base {x: 1}\nitem:\n  <<: *base\n  y: 2\n")
    assert problems == []
    assert data["item"] == {"x": 1, "y": 2}


def test_a_syntax_error_is_reported_where_the_broken_thing_began():
    # The parser gives up on line 2; the list that was never closed began on line 1.
    data, problems = _parse("a: [1, 2\nb: 3\n")
    assert data is None
    assert problems == ["content/x.yml:1: [invalid-yaml] This is not valid YAML (while parsing a flow sequence "
                        f"did not find expected ',' or ']'). {HINT}"]


def test_a_colon_in_unquoted_text_is_reported_with_the_hint():
    data, problems = _parse("intro: fine\nanswer: call us: now\n")
    assert data is None
    assert problems == [f"content/x.yml:2: [invalid-yaml] This is not valid YAML (mapping values are not allowed "
                        f"in this context). {HINT}"]


def test_a_control_character_is_reported_not_raised():
    problems = Problems()
    assert parse_yaml("a: 1\nb: \x07\n", path="content/x.yml", problems=problems) is None
    [problem] = problems.items
    assert (problem.path, problem.line, problem.code) == ("content/x.yml", 1, "invalid-yaml")
    assert problem.message.startswith("This is not valid YAML (unacceptable character #x0007")


def test_empty_text_is_none_without_a_problem():
    assert _parse("") == (None, [])


def test_read_text_drops_the_byte_order_mark_and_windows_line_ends(tmp_path):
    path = tmp_path / "a.yml"
    path.write_bytes("\ufeffa: 1\r\nb: ٢\r\n".encode("utf-8"))
    problems = Problems()
    assert read_text(path, rel="content/a.yml", problems=problems) == "a: 1\nb: ٢\n"
    assert problems.items == []


def test_read_text_reports_a_file_not_in_utf8_at_the_line_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "a.yml"
    path.write_bytes("a: 1\nb: 2\nc: café\n".encode("latin-1"))
    problems = Problems()
    assert read_text(path, rel="content/a.yml", problems=problems) is None
    assert [str(p) for p in problems.items] == [
        'content/a.yml:3: [encoding] The file is not saved as UTF-8. Open it in your editor and save it again '
        'with the encoding "UTF-8".']


def test_read_text_reports_a_file_it_cannot_read(tmp_path):
    problems = Problems()
    assert read_text(tmp_path / "missing.yml", rel="content/missing.yml", problems=problems) is None
    assert read_text(tmp_path, rel="content", problems=problems) is None
    assert [str(p) for p in problems.items] == [
        "content/missing.yml:1: [unreadable] The file cannot be read (No such file or directory).",
        "content:1: [unreadable] The file cannot be read (Is a directory).",
    ]


def test_load_yaml_file_reads_and_parses_with_lines(tmp_path):
    path = tmp_path / "a.yml"
    path.write_text("a: 1\n\nb: [x]\n", encoding="utf-8")
    problems = Problems()
    data = load_yaml_file(path, rel="content/a.yml", problems=problems)
    assert (data, data.lines, problems.items) == ({"a": 1, "b": ["x"]}, {"a": 1, "b": 3}, [])
    assert load_yaml_file(tmp_path / "none.yml", rel="content/none.yml", problems=problems) is None
    assert [p.code for p in problems.items] == ["unreadable"]


def _front_matter(text: str):
    problems = Problems()
    document = parse_front_matter(text, path="content/pages/x.md", problems=problems)
    return document, [str(p) for p in problems.items]


def test_front_matter_is_split_from_the_body_with_file_lines():
    document, problems = _front_matter("---\ntitle: Home\norder: 2\n---\n# Hello\n\ntext\n")
    assert problems == []
    assert document.meta == {"title": "Home", "order": 2}
    assert document.meta.lines == {"title": 2, "order": 3}  # lines of the file, not of the block
    assert (document.body, document.body_line) == ("# Hello\n\ntext\n", 5)


def test_front_matter_may_end_with_three_dots_and_may_be_empty():
    document, problems = _front_matter("---\ntitle: x\n...\nbody")
    assert (problems, document.meta, document.body, document.body_line) == ([], {"title": "x"}, "body", 4)
    document, problems = _front_matter("---\n---\nbody\n")
    assert (problems, document.meta, document.meta.line, document.body) == ([], {}, 2, "body\n")


def test_a_file_without_front_matter_is_reported():
    expected = ['content/pages/x.md:1: [missing-front-matter] The file must start with a front matter block: '
                'a line "---", lines such as "title: ...", then another line "---".']
    assert _front_matter("# Just a heading\n") == (None, expected)
    assert _front_matter("") == (None, expected)


def test_front_matter_never_closed_is_reported():
    assert _front_matter("---\ntitle: x\nbody\n") == (None, [
        'content/pages/x.md:1: [invalid-front-matter] The front matter that starts on line 1 is never closed: '
        'add a line "---" after it.'])


def test_front_matter_that_is_not_keys_and_values_is_reported():
    assert _front_matter("---\n- a\n- b\n---\nbody\n") == (None, [
        'content/pages/x.md:2: [invalid-front-matter] The front matter must be lines of "key: value".'])


def test_broken_front_matter_is_reported_at_its_file_line_and_the_body_kept():
    document, problems = _front_matter("---\ntitle: a\ntitle: b\nsummary: 'open\n---\nbody\n")
    assert problems == [f"content/pages/x.md:4: [invalid-yaml] This is not valid YAML (while scanning a quoted "
                        f"scalar found unexpected end of stream). {HINT}"]
    assert (document.meta, document.body, document.body_line) == ({}, "body\n", 6)


def test_a_duplicate_key_in_front_matter_is_reported_at_its_file_line():
    document, problems = _front_matter("---\ntitle: a\ntitle: b\n---\n")
    assert document.meta == {"title": "a"}
    assert problems == ['content/pages/x.md:3: [duplicate-key] The key "title" appears twice in the same item '
                        "(first on line 2). Keep one and delete the other."]

