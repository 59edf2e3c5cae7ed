"""Every problem the checker can report has its message in English and Arabic.

Read from the source: each `problems.error/warning(path, line, code, message)`
call and each form check's `c.error/warning(line, code, message)` passes its
message as an `N_("...")` literal (so babel extracts it into the catalogs), its
placeholders as keywords, and the Arabic catalog translates it with the same
placeholders. A new check written with an f-string fails here, naming it.
"""
from __future__ import annotations

import ast
import re

from babel.messages.pofile import read_po

from generator import PROJECT_ROOT
from generator.core.i18n import po_path
from generator.core.problems import Phrase, Problem, Problems, Term, closest, make

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CODE = re.compile(r"[a-z]+(?:-[a-z0-9]+)*\Z")
# Calls that hand on a message their caller wrote with N_ (the form checks' Checker).
PASS_THROUGH = {("generator/forms/checker.py", "error"), ("generator/forms/checker.py", "warning")}


def problem_calls() -> list[tuple[str, int, str, ast.Call]]:
    """(file, line, code, call) for every call that reports a problem."""
    found = []
    for path in sorted((PROJECT_ROOT / "generator").rglob("*.py")):
        rel = path.relative_to(PROJECT_ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("error", "warning")):
                continue
            if isinstance(node.func.value, ast.Name) and node.func.value.id in ("log", "logger", "logging"):
                continue
            args = node.args
            # problems.error(path, line, code, message) or c.error(line, code, message)
            for code_at in (2, 1):
                if len(args) == code_at + 2 and _is_code(args[code_at]):
                    found.append((rel, node.lineno, _code(args[code_at]), node))
                    break
    return found


def _is_code(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(CODE.match(node.value))
    return isinstance(node, (ast.Name, ast.JoinedStr, ast.Attribute))  # a code chosen in code


def _code(node: ast.expr) -> str:
    return node.value if isinstance(node, ast.Constant) else ast.unparse(node)


def arabic() -> dict[str, str]:
    with po_path("ar").open("rb") as fp:
        return {str(m.id): str(m.string) for m in read_po(fp, locale="ar") if m.id}


def test_the_scan_sees_the_checks():
    codes = {code for _, _, code, _ in problem_calls()}
    assert {"invalid-yaml", "stale-translation", "broken-link", "unknown-key", "missing-translation"} <= codes
    assert len(codes) >= 50


def test_every_problem_message_has_english_and_arabic():
    translations = arabic()
    wrong = []
    for rel, line, code, call in problem_calls():
        message = call.args[-1]
        if (rel, call.func.attr) in PASS_THROUGH and isinstance(message, ast.Name):  # type: ignore[union-attr]
            continue
        where = f"{rel}:{line} [{code}]"
        if not (isinstance(message, ast.Call) and isinstance(message.func, ast.Name) and message.func.id == "N_"
                and len(message.args) == 1 and isinstance(message.args[0], ast.Constant)):
            wrong.append(f"{where}: the message is not an N_(\"...\") literal")
            continue
        msgid = message.args[0].value
        given = {k.arg for k in call.keywords if k.arg not in (None, "suggest")}
        given |= {"suggestion"} if any(k.arg == "suggest" for k in call.keywords) else set()
        if set(PLACEHOLDER.findall(msgid)) - {"suggestion"} != given - {"suggestion"}:
            wrong.append(f"{where}: placeholders {sorted(set(PLACEHOLDER.findall(msgid)))} but values {sorted(given)}")
        if not translations.get(msgid):
            wrong.append(f"{where}: no Arabic for {msgid!r} (run `python -m generator messages`, then translate)")
        elif set(PLACEHOLDER.findall(translations[msgid])) != set(PLACEHOLDER.findall(msgid)):
            wrong.append(f"{where}: the Arabic of {msgid!r} has other placeholders")
        values = {name: "x" for name in PLACEHOLDER.findall(msgid) if name != "suggestion"}
        try:
            for lang in ("ar", "en"):
                make("f.yml", 1, code, msgid, params=values, suggest="y").text(lang)
        except (KeyError, TypeError, ValueError) as exc:
            wrong.append(f"{where}: {msgid!r} cannot be filled in ({exc!r})")
    assert wrong == []


def test_a_problem_reads_in_either_language_and_stays_english_as_text():
    problems = Problems()
    problems.error("content/faq.yml", 3, "invalid-yaml", "This is not valid YAML (%(what)s).", what="a tab")
    problems.warning("forms/x.yml", 4, "stale-translation",
                     'The %(changed)s text of "%(item)s" changed, but the %(other)s text did not: update it to '
                     "match. If no change is needed, run: python -m generator translations accept %(key)s",
                     changed=Term("Arabic"), item="q", other=Term("English"), key="k")
    error, warning = problems.items
    assert str(error) == "content/faq.yml:3: [invalid-yaml] This is not valid YAML (a tab)."
    assert error.text("en") == error.message == "This is not valid YAML (a tab)."
    assert error.text("ar") == "هذا ليس YAML صحيحًا (a tab)."
    assert warning.line_text("ar").startswith("forms/x.yml:4: [stale-translation] تحذير: تغيّر النص باللغة العربية")
    assert "Arabic text" in warning.message
    # A message given as finished text (not from the catalogs) reads the same in both.
    plain = Problem("a.yml", 1, "x", "As written.")
    assert plain.text("ar") == plain.text("en") == "As written."


def test_a_suggestion_is_translated_with_the_message():
    problems = Problems()
    problems.error("a.yml", 1, "unknown-key", "The file cannot be read (%(reason)s).", reason="r",
                   suggest=closest("titel", ["title", "body"]))
    assert problems.items[0].message == 'The file cannot be read (r). Did you mean "title"?'
    assert problems.items[0].text("ar") == "تعذّرت قراءة الملف (r). هل تقصد «title»؟"


def test_every_placeholder_name_can_be_filled_in_both_languages():
    """`code` and `language` are placeholders too (not gettext's own arguments)."""
    problems = Problems()
    problems.error("forms/x.yml", 9, "missing-error-message",
                   '%(where)s never checks "%(code)s", so this message is never shown. Remove it.',
                   where=Phrase('Field "%(name)s"', name="mobile"), code="pattern")
    assert problems.items[0].text("ar") == "الحقل «mobile»: لا يتحقق أبدًا من «pattern»، فلا تظهر هذه الرسالة أبدًا. احذفها."
    assert problems.items[0].text("en") == problems.items[0].message == (
        'Field "mobile" never checks "pattern", so this message is never shown. Remove it.')

