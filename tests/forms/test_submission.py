"""read_submission: posted text in, a typed row or error codes out."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.core.problems import Problems
from generator.forms import HONEYPOT_FIELD, error_message, load_forms, read_submission

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"

HELP = {
    "applicant_name": "فاطمة أحمد",
    "national_id": "1234567890",
    "mobile": "0501234567",
    "email": "",
    "city": "الرياض",
    "relation": "child",
    "patient_name": "أحمد علي",
    "heart_condition": "قصور في عضلة القلب",
    "support_kind": "devices-medicine",
    "description": "نحتاج جهازًا لقياس الضغط.",
    "declaration": "true",
    "consent": "true",
}


def test_a_valid_help_request(forms):
    result = read_submission(forms["help-request"], HELP)
    assert result.ok and result.errors == {}
    assert result.row == {**HELP, "email": None, "support_other": None, "declaration": True, "consent": True,
                          "medical_reports": None}


def test_an_optional_field_left_empty_is_none_and_absent_is_the_same(forms):
    data = {k: v for k, v in HELP.items() if k not in ("email",)}
    result = read_submission(forms["help-request"], data)
    assert result.ok
    assert result.row["email"] is None and result.row["support_other"] is None


def test_help_requests_follow_ups_are_asked_only_when_they_apply(forms):
    """The patient's name unless the applicant is the patient; a description of "other" support."""
    form = forms["help-request"]
    assert read_submission(form, {**HELP, "patient_name": ""}).errors == {"patient_name": ["required"]}
    mine = read_submission(form, {**HELP, "relation": "self"})  # a name typed anyway is dropped
    assert mine.ok and mine.row["patient_name"] is None
    other = {**HELP, "support_kind": "other"}
    assert read_submission(form, other).errors == {"support_other": ["required"]}
    assert read_submission(form, {**other, "support_other": "كرسي متحرك"}).row["support_other"] == "كرسي متحرك"
    assert read_submission(form, {**HELP, "support_other": "كرسي متحرك"}).row["support_other"] is None


@pytest.mark.parametrize("typed, read", [
    ("١٢٣٤٥٦٧٨٩٠", "1234567890"),    # Arabic-Indic
    ("۲۱۲۳۴۵۶۷۸۹", "2123456789"),    # Persian
    ("1 234 567 890", "1234567890"),  # grouped with spaces
    ("\u200e1234567890\u200f", "1234567890"),  # bidi marks from an Arabic keyboard
])
def test_id_digits_are_read_as_western_digits(forms, typed, read):
    result = read_submission(forms["help-request"], {**HELP, "national_id": typed})
    assert result.ok, result.errors
    assert result.row["national_id"] == read


@pytest.mark.parametrize("typed, read", [
    ("٠٥٠١٢٣٤٥٦٧", "0501234567"),
    ("+٩٦٦٥٠١٢٣٤٥٦٧", "+966501234567"),
    ("050-123-4567", "0501234567"),
    ("۰۵۰ ۱۲۳ ۴۵۶۷", "0501234567"),
])
def test_phone_digits_are_read_as_western_digits(forms, typed, read):
    result = read_submission(forms["help-request"], {**HELP, "mobile": typed})
    assert result.ok, result.errors
    assert result.row["mobile"] == read


@pytest.mark.parametrize("value", [
    "x1234567890", "1234567890x", "3234567890", "123456789", "12345678901", "1234567890\n5",
])
def test_id_pattern_must_match_the_whole_value(forms, value):
    result = read_submission(forms["help-request"], {**HELP, "national_id": value})
    assert result.errors == {"national_id": ["pattern"]}


@pytest.mark.parametrize("value", ["x0501234567", "0501234567x", "0401234567", "+966401234567", "96650123456"])
def test_mobile_pattern_must_match_the_whole_value(forms, value):
    assert read_submission(forms["help-request"], {**HELP, "mobile": value}).errors == {"mobile": ["pattern"]}


def test_a_pattern_with_alternatives_is_anchored_as_a_whole(forms):
    # frictionless alone would compile "^(\+9665|05)[0-9]{8}$" fine, but "^a|b$"-style
    # patterns would not be; our wrapping groups the whole pattern.
    from generator.forms.fields import runtime_descriptor

    spec = runtime_descriptor({"fields": [{"name": "x", "type": "string", "constraints": {"pattern": "1|2"}}]})
    assert spec["fields"][0]["constraints"]["pattern"] == "(?a:1|2)\\Z"


@pytest.mark.parametrize("field, value, code", [
    ("applicant_name", "", "required"),
    ("applicant_name", "   ", "required"),
    ("applicant_name", "ا" * 101, "maxLength"),
    ("email", "not-an-address", "type"),
    ("relation", "cousin", "enum"),
    ("relation", "", "required"),
    ("mobile", "123", "pattern"),
])
def test_each_error_code(forms, field, value, code):
    result = read_submission(forms["help-request"], {**HELP, field: value})
    assert not result.ok
    assert result.errors == {field: [code]}
    assert result.row[field] is None
    assert error_message(forms["help-request"], field, code, "ar") == forms["help-request"].field(field).errors[code]["ar"]


def test_max_length_counts_a_textarea_line_break_once(forms):
    text = "a" * 999 + "\r\n" + "b" * 1000  # 2000 as the browser counts, 2001 as posted
    result = read_submission(forms["help-request"], {**HELP, "description": text})
    assert result.ok and result.row["description"] == "a" * 999 + "\n" + "b" * 1000


def test_control_characters_are_dropped(forms):
    result = read_submission(forms["help-request"], {**HELP, "city": "جدة\x00"})
    assert result.ok and result.row["city"] == "جدة"


@pytest.mark.parametrize("name", ["declaration", "consent"])
@pytest.mark.parametrize("posted, code", [(None, "required"), ("", "required"), ("false", "enum"), ("on", "type")])
def test_a_declaration_or_consent_must_be_true(forms, name, posted, code):
    data = {**HELP}
    if posted is None:
        del data[name]  # an unticked box posts nothing
    else:
        data[name] = posted
    assert read_submission(forms["help-request"], data).errors == {name: [code]}


def test_unknown_names_are_an_error_but_the_honeypot_is_the_callers(forms):
    result = read_submission(forms["help-request"], {**HELP, "is_admin": "1", HONEYPOT_FIELD: "spam"})
    assert result.errors == {"": ["unknown-field"]}
    assert result.unknown_fields == ("is_admin",)
    assert "Reload the page" in error_message(forms["help-request"], "", "unknown-field", "en")


def test_several_values_for_a_single_answer_are_a_type_error(forms):
    result = read_submission(forms["help-request"], {**HELP, "relation": ["self", "child"]})
    assert result.errors == {"relation": ["type"]}
    assert read_submission(forms["help-request"], {**HELP, "relation": ["self"]}).row["relation"] == "self"


VOLUNTEER = {
    "name": "Sara", "mobile": "0551234567", "email": "sara@example.com", "city": "Jeddah",
    "availability": "weekends", "experience": "", "consent": "true",
}


@pytest.mark.parametrize("posted, row, errors", [
    (["media", "technology"], ["media", "technology"], {}),
    ("media", ["media"], {}),  # one box ticked, posted as plain text
    (["media", "media"], ["media"], {}),  # ticked twice is once
    (["media", "juggling"], None, {"interests": ["enum"]}),
    ([], None, {"interests": ["required"]}),
    (None, None, {"interests": ["required"]}),
])
def test_several_choices(forms, posted, row, errors):
    data = {**VOLUNTEER} if posted is None else {**VOLUNTEER, "interests": posted}
    result = read_submission(forms["volunteer"], data)
    assert result.errors == errors
    assert result.row["interests"] == row


SATISFACTION = {"service": "enquiries", "channel": "phone", "rating_overall": "5", "rating_courtesy": "4",
                "rating_speed": "3", "rating_clarity": "2", "comments": ""}


@pytest.mark.parametrize("posted, row, code", [
    ("٥", 5, None), ("۳", 3, None), (" 1 ", 1, None), ("0", None, "minimum"), ("6", None, "maximum"),
    ("x", None, "type"), ("4.5", None, "type"), ("", None, "required"),
])
def test_ratings(forms, posted, row, code):
    result = read_submission(forms["satisfaction"], {**SATISFACTION, "rating_overall": posted})
    assert result.row["rating_overall"] == row
    assert result.errors == ({"rating_overall": [code]} if code else {})


def test_typed_values_from_a_script_client_are_accepted(forms):
    result = read_submission(forms["satisfaction"], {**SATISFACTION, "rating_overall": 5})
    assert result.ok and result.row["rating_overall"] == 5
    result = read_submission(forms["help-request"], {**HELP, "consent": True})
    assert result.ok
    assert read_submission(forms["help-request"], {**HELP, "consent": {"x": 1}}).errors == {"consent": ["type"]}


CONTACT = {"kind": "complaint", "name": "Ali", "subject": "Late reply", "message": "…", "reply_by": "email"}


@pytest.mark.parametrize("extra, errors", [
    ({}, {"email": ["required"]}),
    ({"mobile": "", "email": "  "}, {"email": ["required"]}),
    ({"mobile": "0501234567"}, {"email": ["required"]}),  # a number, but a reply by email
    ({"email": "ali@example.com"}, {}),
    ({"email": "ali@"}, {"email": ["type"]}),  # a wrong answer speaks for itself
    ({"reply_by": "phone"}, {"mobile": ["required"]}),
    ({"reply_by": "phone", "email": "ali@example.com"}, {"mobile": ["required"]}),
    ({"reply_by": "phone", "email": "ali@"}, {"mobile": ["required"]}),  # not asked: not judged
    ({"reply_by": "phone", "mobile": "٠٥٠١٢٣٤٥٦٧"}, {}),
])
def test_contact_needs_the_way_to_reply_it_asks_for(forms, extra, errors):
    result = read_submission(forms["contact"], {**CONTACT, **extra})
    assert result.errors == errors
    if errors.get("email") == ["required"]:
        assert error_message(forms["contact"], "email", "required", "en") == (
            "Enter your email address so that we can reply to you, or choose a reply by phone")


def test_number_and_date_fields():
    """Types the real forms do not use yet: decimals with the Arabic separator, dates."""
    problems = Problems()
    form = load_forms(FIXTURES / "valid", problems)["kinds"]
    assert problems.items == []
    result = read_submission(form, {"amount": "١٢٫٥", "visit": "2024-01-31", "note": ""})
    assert result.ok, result.errors
    assert result.row["amount"] == Decimal("12.5") and result.row["visit"] == dt.date(2024, 1, 31)
    assert read_submission(form, {"amount": "1", "visit": "2022-01-01"}).errors == {"visit": ["minimum"]}
    assert read_submission(form, {"amount": "1", "visit": "31/01/2024"}).errors == {"visit": ["type"]}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(HELP) + ["x", HONEYPOT_FIELD]),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3))))
def test_any_posted_data_gives_a_result_never_an_exception(forms, data):
    result = read_submission(forms["help-request"], data)
    assert set(result.row) == {f.name for f in forms["help-request"].fields}
    for name, codes in result.errors.items():
        assert codes and all(isinstance(code, str) for code in codes)
        for code in codes:
            assert error_message(forms["help-request"], name, code, "ar")


def test_a_one_of_rule_asks_for_at_least_one_of_its_fields(forms):
    """No shipped form uses "one_of" now (contact asks per reply channel), but form files may."""
    import dataclasses

    from generator.forms.model import Rule

    def optional(field):  # as they were before contact asked each per reply channel
        if field.name not in ("mobile", "email"):
            return field
        constraints = {k: v for k, v in field.constraints.items() if k != "required"}
        return dataclasses.replace(field, relevant=None, constraints=constraints)

    form = dataclasses.replace(forms["contact"], fields=[optional(f) for f in forms["contact"].fields],
                               rules=(Rule(code="contact-required", one_of=("mobile", "email")),))
    assert read_submission(form, CONTACT).errors == {"mobile": ["contact-required"]}
    assert read_submission(form, {**CONTACT, "email": "ali@example.com"}).ok
    assert read_submission(form, {**CONTACT, "mobile": "0501234567"}).ok
    assert read_submission(form, {**CONTACT, "mobile": "12"}).errors == {"mobile": ["pattern"]}


@pytest.mark.parametrize("posted,stored,errors", [
    ([1, 2], [1, 2], None),
    ([3, 1, 3], [3, 1], None),  # a number twice is one file
    ([], None, None), ("", None, None), ([""], None, None),  # an empty file input posted without multipart
    ("scan.pdf", None, ["type"]),  # a file's name is never an answer
    (["1"], None, ["type"]),  # nor text: a posted "1" must not claim stored file 1
    ([0], None, ["type"]), ([True], None, ["type"]), ([1.0], None, ["type"]),
    ([1, 2, 3, 4, 5, 6], None, ["files-too-many"]),  # the endpoint counts while reading; a last guard
])
def test_a_file_field_stores_the_numbers_of_its_files(forms, posted, stored, errors):
    """Issue 36: the answer of a file field is the list of the stored files' numbers, never names or bytes."""
    result = read_submission(forms["help-request"], {**HELP, "medical_reports": posted})
    assert result.row["medical_reports"] == stored
    assert result.errors == ({"medical_reports": errors} if errors else {})


FILE_MESSAGES = {
    "file-too-large": ("Each file can be up to 10 MB. Choose a smaller file.",
                       "يجب ألا يزيد حجم كل ملف على ١٠ ميغابايت. اختر ملفًا أصغر."),
    "files-too-many": ("You can send up to 5 files. Choose fewer.", "أقصى عدد للملفات ٥. اختر عددًا أقل."),
    "files-too-large": ("The files can be up to 25 MB in all. Choose fewer or smaller files.",
                        "يجب ألا يزيد مجموع أحجام الملفات على ٢٥ ميغابايت. اختر ملفات أقل أو أصغر."),
    "file-type": ("A file is not of a kind this form takes. Files can be PDF, JPEG, or PNG.",
                  "أحد الملفات ليس من الأنواع التي يقبلها هذا النموذج. يمكن أن تكون الملفات بصيغة PDF أو JPEG أو PNG."),
    "file-unsafe": ("A PDF file holds scripts, actions or a password, which we cannot accept. Save it again as a "
                    "plain PDF (print it to PDF), or send a photo of each page.",
                    "في أحد ملفات PDF برمجيات أو إجراءات تلقائية أو كلمة مرور، فلا يمكننا قبوله. احفظه من جديد "
                    "ملفَّ PDF عاديًا (بالطباعة إلى PDF)، أو أرسل صورة لكل صفحة منه."),
    "file-infected": ("The virus check found a problem in a file, so it was not accepted. Send another copy of the "
                      "document.", "وجد فحص الفيروسات مشكلة في أحد الملفات، فلم يُقبل. أرسل نسخة أخرى من المستند."),
    "file-damaged": ("A file cannot be opened: it may be damaged. Choose it again, or send another copy.",
                     "تعذّر فتح أحد الملفات، فلعله تالف. اختره مرة أخرى، أو أرسل نسخة أخرى منه."),
    "file-empty": ("A file is empty. Choose it again.", "أحد الملفات فارغ. اختره مرة أخرى."),
}


@pytest.mark.parametrize("code", sorted(FILE_MESSAGES))
def test_every_file_error_has_its_words_in_both_languages_with_the_limits(forms, code):
    from generator.forms.model import FILE_ERROR_CODES

    assert set(FILE_MESSAGES) == set(FILE_ERROR_CODES)
    english, arabic = FILE_MESSAGES[code]
    assert error_message(forms["help-request"], "medical_reports", code, "en") == english
    assert error_message(forms["help-request"], "medical_reports", code, "ar", "arab") == arabic
    western = error_message(forms["help-request"], "medical_reports", code, "ar", "latn")
    assert not any("٠" <= ch <= "٩" for ch in western)
