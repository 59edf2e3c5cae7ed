"""`check` on broken form files: one fixture per problem, exact path, line and code.

Each tests/fixtures/forms/<case>/forms/sample.yml is a small valid form with
one mistake; the expected problems are the complete list, so a mistake that
drags in follow-on complaints fails here too.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.core.problems import Problems
from generator.forms import load_forms

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"

CASES = {
    # case folder: [(line, code, words the message must contain)]
    "invalid-yaml": [(4, "invalid-yaml", "not valid YAML")],
    "duplicate-key": [(3, "duplicate-key", 'first on line 2')],
    "encoding": [(4, "encoding", "UTF-8")],  # saved as "Arabic (Windows)", cp1256
    "empty-file": [(1, "invalid-form", '"key: value" lines')],
    "invalid-form": [(1, "invalid-form", '"key: value" lines')],
    "unknown-key": [(17, "unknown-key", 'unknown key "hnit". Did you mean "hint"?')],
    "unknown-constraint": [(14, "unknown-key", 'unknown constraint "maxLenght". Did you mean "maxLength"?')],
    "missing-key": [(1, "missing-key", 'has no "version"')],
    "invalid-value": [(2, "invalid-value", "found 'one'")],
    "id-mismatch": [(1, "id-mismatch", 'Write "id: sample"')],
    "missing-translation": [(4, "missing-translation", 'The form\'s "title" has no English text')],
    "missing-label-translation": [(16, "missing-translation", 'label of field "full_name" has no English text')],
    "missing-retention": [(7, "missing-retention", "English privacy text")],
    "invalid-schema": [(14, "invalid-schema", "'many' is not of type 'integer' at property 'constraints/maxLength'")],
    "unknown-type": [(11, "unknown-type", 'Did you mean "string"?')],
    "unsupported-type": [(11, "unsupported-type", '"geopoint"')],
    "unsupported-constraint": [(15, "unsupported-constraint", '"unique"')],
    "invalid-name": [(10, "invalid-name", '"Full-Name"')],
    "reserved-name": [(19, "reserved-name", 'The field name "lang" is reserved'),
                      (26, "reserved-name", 'The field name "reference" is reserved')],
    "invalid-sensitive": [(15, "invalid-value", '"sensitive" must be true')],
    "report-not-countable": [(14, "report-not-countable", 'Field "comments" cannot be counted by reports')],
    # issue 33: `identifier: name` is the one kind a form file names (the others come from the field)
    "invalid-identifier": [(14, "invalid-value", '"identifier" can only be "name", on a text field')],
    "report-too-many": [(109, "report-too-many", 'Field "choice_9" is field number 9 with "report: true", but '
                                                 "reports can count at most 8 fields")],
    "duplicate-field": [(20, "duplicate-field", '"full_name" (line 10)')],
    "missing-label": [(15, "missing-label", 'Field "full_name" has no label')],
    # Issue 35: a required field whose hint says "if you know" (an optional one may).
    "optional-hint": [(17, "optional-hint", 'Field "full_name" is required, but its hint says "if you know" (en)')],
    "optional-hint-ar": [(17, "optional-hint", 'Field "full_name" is required, but its hint says "if you know" (ar)')],
    "missing-max-length": [(12, "missing-max-length", "maxLength")],
    "missing-error-message": [(17, "missing-error-message", 'checks "maxLength" but has no message')],
    "invalid-pattern": [(15, "invalid-pattern", '"(?P<"')],
    "invalid-control": [(17, "invalid-control", 'not "checkbox"')],
    "invalid-choices": [(20, "invalid-choices", "arrayItem")],
    "missing-option-label": [(28, "missing-option-label", 'the choice "complaint" has no label')],
    "consent-not-true": [(22, "consent-not-true", "enum: [true]")],
    "invalid-rule": [(10, "invalid-rule", 'a field "phone" that this form does not have')],
    "invalid-condition": [(11, "invalid-rule", '"reply_by" can never be "fax": its choices are phone, email')],
    # conditional questions, `relevant:` (generator/forms/check_relevance.py)
    "relevance-invalid": [(25, "invalid-condition", '"is" is not an operator')],
    "relevance-unknown-field": [(25, "condition-unknown-field", 'Did you mean "reply_by"?')],
    "relevance-later-field": [(25, "condition-later-field", 'move "age" above "mobile"')],
    "relevance-unknown-option": [(25, "condition-unknown-option", 'Its choices are: phone, email (the codes')],
    "relevance-wrong-type": [(25, "condition-wrong-type", 'On this field use: equals, in, not_in, answered')],
    "relevance-too-deep": [(25, "condition-too-deep", "one level only")],
    "relevance-never": [(25, "condition-never-relevant", 'Field "mobile" is required, but no answers meet')],
    "relevance-invalid-stop": [(9, "invalid-stop", 'The stop code "no_email" must be lower-case words')],
    # case workflows (generator/forms/check_workflow.py)
    "workflow-unknown-state": [(26, "unknown-state", 'may move on to "understudy"')],
    "workflow-unreachable-state": [(27, "unreachable-state", 'leads to the state "forgotten"')],
    "workflow-no-closed-state": [(22, "no-closed-state", 'add "closed: true"')],
    "workflow-reopen-closed-state": [(22, "reopen-closed-state", 'which is closed: a reopened case must be open')],
    "workflow-missing-translation": [(28, "missing-translation", 'The state "closed"\'s name has no English text')],
    "workflow-reason-translation": [(35, "missing-translation", 'The reason "outside-scope"\'s public wording')],
    "workflow-missing-reasons": [(27, "missing-reasons", 'needs a reason, but the workflow has no "reasons:"')],
    "workflow-duplicate-state": [(31, "duplicate-state", 'The state "closed" is written twice (first on line 27)')],
    # the list's summary answers (generator/forms/check_summary.py, issue 33)
    "summary-unknown-field": [(29, "summary-unknown-field", 'a field "ful_nmae" that this form does not have')],
    "summary-sensitive": [(29, "invalid-value", 'the field "national_id", which is marked sensitive')],
    # file fields (generator/forms/check_files.py, issue 36)
    "file-missing-limits": [(24, "missing-file-limits", 'Field "reports" takes files but has no limits')],
    "file-unknown-type": [(25, "unknown-file-type", '"jpg" is not a kind of file these forms take. Did you mean '
                                                    '"jpeg"? Known kinds: pdf, jpeg, png.')],
    "file-invalid-limit": [(27, "invalid-file-limit", '"max_file_mb" must be a whole number from 1 to 50, not 60')],
    "file-total-below-one": [(29, "invalid-file-limit", '"max_total_mb" (5) is less than one file may be')],
    "file-without-workflow": [(20, "file-without-workflow", 'Field "reports" takes files, but this form has no '
                                                            '"workflow"')],
    "file-on-text": [(25, "invalid-control", 'is of type "string", which can be shown as: input, tel, textarea, '
                                             'radios, select — not "file"')],
    "invalid-email": [(11, "invalid-email", '"Requests team <requests@qalb.example>" is not an e-mail address')],
    "missing-email-field": [(9, "missing-email-field", 'add a field with "format: email"')],
    "invalid-notify": [(10, "invalid-value", '"staff_language" is the language of the staff messages: ar or en'),
                       (11, "invalid-value", '"applicant" is true')],
    "invalid-webhook": [(10, "invalid-webhook", "lower-case letters, digits and hyphens"),
                        (11, "invalid-webhook", 'must start with "https://"'),
                        (12, "invalid-webhook", "found ['submitted', 'closed']"),
                        (15, "invalid-value", '"include_answers" is true or false')],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_reported_at_its_line(case):
    problems = Problems()
    forms = load_forms(FIXTURES / case, problems)
    found = [(p.path, p.line, p.code) for p in problems.sorted()]
    assert found == [("forms/sample.yml", line, code) for line, code, _ in CASES[case]]
    for problem, (_, _, words) in zip(problems.sorted(), CASES[case]):
        assert words in problem.message
        assert problem.severity == "error"
    assert forms == {}, "a form with an error must not be served"


def test_every_fixture_folder_is_a_case():
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()} - {"valid", "unused-error-message", "workflow-valid",
                                                                  "webhook-loopback-answers"}
    assert folders == set(CASES)


def test_every_documented_code_has_a_fixture():
    from generator.forms import model

    documented = {line.split()[0] for line in model.__doc__.split("Problem codes")[1].splitlines()[2:]
                  if line.startswith("  ") and not line.startswith("    ") and line.split()}
    covered = {code for cases in CASES.values() for _, code, _ in cases} | {"unused-error-message", "unreadable",
                                                                                    "insecure-webhook", "no-staff-label"}
    assert documented == covered


def test_an_unused_message_is_a_warning_and_the_form_still_loads():
    problems = Problems()
    forms = load_forms(FIXTURES / "unused-error-message", problems)
    assert [(p.path, p.line, p.code, p.severity) for p in problems.sorted()] == [
        ("forms/sample.yml", 20, "unused-error-message", "warning")]
    assert list(forms) == ["sample"]


@pytest.mark.parametrize("label,languages", [
    ("{ar: اسمك, en: Name}", "ar"), ("{ar: الاسم, en: Your name}", "en"), ("{ar: أُقرّ بذلك, en: I confirm}", "ar, en"),
    ("{ar: اسم البنك, en: The bank's name}", ""), ("{ar: ذلك الاسم, en: That name}", ""),
])
def test_a_label_that_speaks_to_the_applicant_on_a_form_staff_enter_needs_a_staff_label(tmp_path, label, languages):
    """Issue 33: staff fill a form with a workflow in for a caller, in the third person."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "workflow-valid", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8")
    shown = "label: {ar: الاسم, en: Name}"
    assert shown in text
    sample.write_text(text.replace(shown, f"label: {label}"), encoding="utf-8")
    problems = Problems()
    assert list(load_forms(project, problems)) == ["sample"]  # a warning: the form still loads
    found = [(p.line, p.code, p.severity) for p in problems.sorted()]
    assert found == ([(10, "no-staff-label", "warning")] if languages else [])  # the field's line
    if languages:
        assert f"speaks to the applicant ({languages})" in problems.sorted()[0].message
        staff = "staff_label: {ar: اسم المتقدم, en: \"The applicant's name\"}"
        sample.write_text(text.replace(shown, f"label: {label}\n        {staff}"), encoding="utf-8")
        problems = Problems()
        form = load_forms(project, problems)["sample"]
        assert problems.items == [] and form.field("full_name").staff_label == {"ar": "اسم المتقدم",
                                                                                "en": "The applicant's name"}


def test_a_webhook_on_this_machine_may_use_http_but_gets_no_answers_over_it():
    from generator.forms.model import Webhook

    problems = Problems()
    forms = load_forms(FIXTURES / "webhook-loopback-answers", problems)
    assert [(p.path, p.line, p.code, p.severity) for p in problems.sorted()] == [
        ("forms/sample.yml", 14, "insecure-webhook", "warning")]
    assert 'the webhook "local-relay" gets none' in problems.sorted()[0].message
    assert forms["sample"].notify.webhooks == (Webhook(name="local-relay", url="http://127.0.0.1:8090/qalb",
                                                       events=("state_changed",), include_contact=True,
                                                       include_answers=True),)
    assert forms["sample"].notify.webhooks[0].secret_variable == "QALB_WEBHOOK_LOCAL_RELAY_SECRET_FILE"


def test_a_valid_fixture_has_no_problems():
    problems = Problems()
    assert list(load_forms(FIXTURES / "valid", problems)) == ["kinds"]
    assert problems.items == []


def test_no_forms_folder_is_no_forms(tmp_path):
    problems = Problems()
    assert load_forms(tmp_path, problems) == {} and problems.items == []


def test_a_workflow_is_read_with_its_states_and_response_days():
    problems = Problems()
    form = load_forms(FIXTURES / "workflow-valid", problems)["sample"]
    assert problems.items == [] and form.response_days == 14
    assert form.workflow is not None
    assert [s.id for s in form.workflow.states] == ["received", "closed"]
    assert form.workflow.initial.id == "received" and form.workflow.can_move("received", "closed")
    assert form.workflow.state("closed").closed and not form.workflow.can_move("closed", "received")
    assert form.workflow.state("received").public == {"ar": "استلمنا طلبك", "en": "Received"}


@pytest.mark.parametrize("lang,hint", [
    ("ar", "إن عُرف"), ("ar", "اسم المستشفى، إن كان معروفًا"), ("ar", "إن كانت معروفة"), ("ar", "إن وُجد"),
    ("ar", "إذا كنتِ تعرفينه"), ("ar", "إن توفّر"),
    ("en", "If available"), ("en", "The hospital's name, if known"), ("en", "if they know it"),
])
def test_every_way_of_saying_if_you_know_is_found(tmp_path, lang, hint):
    """The review of issue 35: «إن عُرف», «إن كان معروفًا» and "if available" were missed."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "optional-hint", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8")
    shown = "hint: {ar: كما في الهوية, en: \"As on your ID, if you know it\"}"
    assert shown in text
    hints = {"ar": "كما في الهوية", "en": "As on your ID"} | {lang: hint}
    sample.write_text(text.replace(shown, f'hint: {{ar: "{hints["ar"]}", en: "{hints["en"]}"}}'), encoding="utf-8")
    problems = Problems()
    load_forms(project, problems)
    assert [(p.line, p.code, p.message.split(": ")[0]) for p in problems.sorted()] == [
        (17, "optional-hint", f'Field "full_name" is required, but its hint says "if you know" ({lang})')]


@pytest.mark.parametrize("hint", ["كما في الهوية", "إن كان لديك رقم آخر فاكتبه", "لن تعرف النتيجة قبل أسبوعين"])
def test_a_hint_that_does_not_make_the_answer_optional_passes(tmp_path, hint):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "optional-hint", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("hint: {ar: كما في الهوية, en: \"As on your ID, if you know it\"}",
                                   f'hint: {{ar: "{hint}", en: "As on your ID"}}'), encoding="utf-8")
    problems = Problems()
    assert list(load_forms(project, problems)) == ["sample"] and not problems.sorted()


ARABIC_FILE_PROBLEMS = {  # the same problems as staff read them with `check --language ar`
    "file-missing-limits": "الحقل «reports» يستقبل ملفات لكن ليست له حدود. أضف تحت ui:",
    "file-unknown-type": "الحقل «reports»: «jpg» ليس نوع ملف تستقبله هذه النماذج. هل تقصد «jpeg»؟",
    "file-invalid-limit": "الحقل «reports»: يجب أن تكون «max_file_mb» عددًا صحيحًا من 1 إلى 50، لا 60.",
    "file-total-below-one": "الحقل «reports»: «max_total_mb» (5) أقل مما يبلغه ملف واحد («max_file_mb»: 10).",
    "file-without-workflow": "الحقل «reports» يستقبل ملفات، لكن ليس لهذا النموذج «workflow»",
}


@pytest.mark.parametrize("case", sorted(ARABIC_FILE_PROBLEMS))
def test_a_file_field_problem_is_said_in_arabic(case):
    problems = Problems()
    load_forms(FIXTURES / case, problems)
    (problem,) = problems.sorted()
    assert problem.text("ar").startswith(ARABIC_FILE_PROBLEMS[case])


@pytest.mark.parametrize("files,line,code,words", [
    ("{accept: [pdf], max_file_mb: 10, max_files: 5}", 25, "missing-file-limits", 'has no max_total_mb'),
    ("{accept: [], max_file_mb: 10, max_files: 5, max_total_mb: 25}", 25, "invalid-value", '"accept" lists'),
    ("{accept: [pdf], max_file_mb: 10, max_files: 0, max_total_mb: 25}", 25, "invalid-file-limit",
     '"max_files" must be a whole number from 1 to 20, not 0'),
    ("{accept: [pdf], max_file_mb: 10, max_files: 5, max_total_mb: 101}", 25, "invalid-file-limit",
     '"max_total_mb" must be a whole number from 1 to 100, not 101'),
    ("{accept: [pdf], max_file_mb: 2.5, max_files: 5, max_total_mb: 25}", 25, "invalid-file-limit",
     "not 2.5"),
    ("{accept: [pdf], max_file_mb: 10, max_files: 5, max_total_mb: 25, max_pages: 3}", 25, "unknown-key",
     'The "files" of field "reports" has an unknown key "max_pages"'),
])
def test_each_file_limit_is_checked(tmp_path, files, line, code, words):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "file-without-workflow", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8")
    written = "files: {accept: [pdf, jpeg, png], max_file_mb: 10, max_files: 5, max_total_mb: 25}"
    assert written in text
    workflow = (FIXTURES / "workflow-valid" / "forms" / "sample.yml").read_text(encoding="utf-8").split("response")[1]
    sample.write_text(text.replace(written, f"files: {files}") + "response" + workflow, encoding="utf-8")
    problems = Problems()
    assert load_forms(project, problems) == {}
    assert [(p.line, p.code) for p in problems.sorted()] == [(line, code)]
    assert words in problems.sorted()[0].message


def test_a_file_field_takes_no_other_constraint_and_no_array_item(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "file-unknown-type", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8").replace("[pdf, jpg]", "[pdf, jpeg]")
    sample.write_text(text.replace("      type: array\n", "      type: array\n      constraints: {maxLength: 3}\n"
                                   "      arrayItem: {type: string}\n"), encoding="utf-8")
    problems = Problems()
    assert load_forms(project, problems) == {}
    found = [(p.line, p.code, p.message) for p in problems.sorted()]
    assert found == [
        (22, "invalid-value", 'Field "reports" takes files: its only constraint is "required"; its limits go under '
                              'ui.files (accept, max_file_mb, max_files, max_total_mb), not "maxLength".'),
        (23, "invalid-value", 'Field "reports" takes files, so it has no "arrayItem": remove it (the files are '
                              "stored apart, and the answer keeps only their numbers)."),
    ]


def test_files_on_another_control_is_refused(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "workflow-valid", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("        label: {ar: الاسم, en: Name}\n", "        label: {ar: الاسم, en: Name}\n"
                                   "        files: {accept: [pdf]}\n"), encoding="utf-8")
    problems = Problems()
    assert load_forms(project, problems) == {}
    assert [(p.line, p.code) for p in problems.sorted()] == [(17, "invalid-value")]
    assert 'has "files" but is not shown as a file field' in problems.sorted()[0].message


def test_a_file_field_is_read_with_its_limits_in_bytes(forms):
    from generator.forms.model import FileLimits

    form = forms["help-request"]
    (field,) = form.file_fields
    assert field.name == "medical_reports" and field.control == "file" and field.sensitive and not field.required
    assert field.files == FileLimits(accept=("application/pdf", "image/jpeg", "image/png"),
                                     max_file_bytes=10 * 1024 * 1024, max_total_bytes=25 * 1024 * 1024, max_files=5)
    assert field.files.accept_attribute == "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
    assert form.descriptor["fields"][[f.name for f in form.fields].index("medical_reports")] == {
        "name": "medical_reports", "type": "array", "arrayItem": {"type": "integer"}}
    assert all(other.file_fields == () for other in forms.values() if other is not form)


def test_a_file_field_is_always_asked(tmp_path):
    """A condition would drop the answer while the upload's files stay stored."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "file-unknown-type", project)
    sample = project / "forms" / "sample.yml"
    text = sample.read_text(encoding="utf-8").replace("[pdf, jpg]", "[pdf, jpeg]")
    sample.write_text(text.replace("      type: array\n", "      type: array\n      relevant: {full_name: {answered: true}}\n"),
                      encoding="utf-8")
    problems = Problems()
    assert load_forms(project, problems) == {}
    assert [(p.line, p.code) for p in problems.sorted()] == [(22, "invalid-value")]
    assert problems.sorted()[0].text("ar").startswith("الحقل «reports» يستقبل ملفات، فيُسأل دائمًا")
