"""Every component's examples.yml, rendered: the HTML each example promises.

A component is a folder templates/components/<name>/ with macro.html (one
macro) and examples.yml (its parameters, documented, and examples). An
example may say what the HTML `contains`, what must be `absent`, or what it
`equals`; every example must also parse, keep ids unique, and point its
label `for` and `aria-describedby` only at ids it renders.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator.forms.render import environment

COMPONENTS = Path(__file__).resolve().parents[2] / "templates" / "components"
NAMES = sorted(p.name for p in COMPONENTS.iterdir() if p.is_dir())
EXPECTED = {"attributes", "button", "checkbox", "checkboxes", "date", "error-message", "error-summary",
            "choices", "fieldset", "file", "form-group", "hint", "honeypot", "input", "label", "radios", "select", "textarea"}


def _spec(name: str) -> dict:
    return yaml.safe_load((COMPONENTS / name / "examples.yml").read_text(encoding="utf-8"))


def _examples() -> list:
    return [pytest.param(name, example, id=f"{name}: {example['name']}")
            for name in NAMES for example in _spec(name)["examples"]]


def test_the_expected_components_exist():
    assert set(NAMES) == EXPECTED


@pytest.mark.parametrize("name", NAMES)
def test_each_component_is_one_macro_with_documented_params(name):
    source = (COMPONENTS / name / "macro.html").read_text(encoding="utf-8")
    macros = re.findall(r"{%-?\s*macro\s+(\w+)\(", source)
    spec = _spec(name)
    assert macros == [spec["macro"]]
    for key, doc in spec["params"].items():
        assert set(doc) == {"type", "required", "description"}, key
        assert doc["description"].strip()


def render(name: str, params, lang: str = "en") -> str:
    spec = _spec(name)
    macro = spec["macro"]
    # A component that wraps a control its caller renders says what to render inside it.
    use = (f"{{% call(described_by) {macro}(params) %}}{spec['caller']}{{% endcall %}}" if "caller" in spec
           else f"{{{{ {macro}(params) }}}}")
    template = environment(lang).from_string(f'{{% from "components/{name}/macro.html" import {macro} %}}{use}')
    return template.render(params=params)


@pytest.mark.parametrize("name, example", _examples())
def test_example_renders_what_it_promises(name, example, parse_html):
    spec = _spec(name)
    params = example["params"]
    if name != "attributes":  # its one parameter is the mapping itself
        assert set(params) <= set(spec["params"]), "an example uses an undocumented parameter"
        missing = {k for k, doc in spec["params"].items() if doc["required"]} - set(params)
        assert not missing, f"required parameters missing: {missing}"
    html = render(name, params)
    if "equals" in example:
        assert html == example["equals"]
    for text in example.get("contains", []):
        assert text in html
    for text in example.get("absent", []):
        assert text not in html
    if name == "attributes":
        return
    page = parse_html(html)
    # ids the caller names in `for` or `describedBy` live outside the component
    outside = set(params.get("describedBy", "").split()) | {params.get("for")}
    ids = {e.attrs["id"] for e in page.elements if "id" in e.attrs} | outside
    for element in page.elements:
        if element.tag == "label" and "for" in element.attrs:
            assert element.attrs["for"] in ids
        for ref in (element.attrs.get("aria-describedby") or "").split():
            assert ref in ids


@pytest.mark.parametrize("name, example", _examples())
def test_example_renders_in_arabic_too(name, example):
    html = render(name, example["params"], lang="ar")
    for text in example.get("contains", []):
        if "Error:" not in text and "There is a problem" not in text:  # translated in Arabic
            assert text in html
