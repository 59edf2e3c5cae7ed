"""The four real forms in forms/: they load cleanly and say what the policy says."""
from __future__ import annotations

import json

import pytest
from frictionless import Schema

from generator.forms import Form

FORM_IDS = ("help-request", "volunteer", "satisfaction", "contact")


def test_the_four_forms_load_without_a_single_problem(loaded):
    forms, problems = loaded
    assert [str(p) for p in problems.sorted()] == []
    assert sorted(forms) == sorted(FORM_IDS)


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_descriptor_is_a_plain_table_schema_frictionless_accepts(forms, form_id):
    form: Form = forms[form_id]
    json.dumps(form.descriptor)  # plain, JSON-able: it goes into datapackage.json
    assert Schema.validate_descriptor(form.descriptor).valid
    assert all("ui" not in spec for spec in form.descriptor["fields"])
    assert [f.name for f in form.schema.fields] == [f.name for f in form.fields]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_text_exists_in_both_languages(forms, form_id):
    form = forms[form_id]
    for text in (form.title, form.intro, form.after_submit, form.privacy):
        assert text["ar"].strip() and text["en"].strip()
    for f in form.fields:
        assert f.label["ar"] and f.label["en"]
        for message in f.errors.values():
            assert message["ar"] and message["en"]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_every_string_field_has_a_max_length(forms, form_id):
    for spec in forms[form_id].descriptor["fields"]:
        if spec["type"] == "string":
            assert isinstance(spec["constraints"]["maxLength"], int), spec["name"]


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_privacy_text_shows_the_retention_setting(forms, form_id):
    form = forms[form_id]
    # Issue 35: in words, as a person says it (180, 365, 730 days).
    shown = {180: ("six months (180 days)", "ستة أشهر (180 يومًا)"), 365: ("one year", "سنة واحدة"),
             730: ("two years", "سنتين")}[form.retention_days]
    assert shown[0] in form.privacy["en"]
    assert shown[1] in form.privacy["ar"]
    assert "{retention}" not in form.privacy["en"] + form.privacy["ar"]


def test_retention_text_follows_arabic_plural_rules():
    from generator.forms.check_form import retention_text

    assert retention_text(1, "ar") == "يوم"
    assert retention_text(2, "ar") == "يومان"
    assert retention_text(8, "ar") == "8 أيام"
    assert retention_text(100, "ar") == "100 يوم"
    assert retention_text(1, "en") == "1 day"


def test_retention_in_words_as_a_person_says_it():
    """Issue 35: whole years, weeks and (below a year) 30-day months in words, in both languages."""
    from generator.forms.check_form import retention_text

    assert [retention_text(days, "en") for days in (730, 365, 180, 14, 7, 45)] == [
        "two years", "one year", "six months (180 days)", "two weeks", "one week", "45 days"]
    assert [retention_text(days, "ar") for days in (730, 365, 180, 14, 7, 45)] == [
        "سنتين", "سنة واحدة", "ستة أشهر (180 يومًا)", "أسبوعين", "أسبوع واحد", "45 يومًا"]


def test_declarations_and_consents(forms):
    assert forms["help-request"].consent_fields == ["declaration", "consent"]
    assert forms["volunteer"].consent_fields == ["consent"]
    assert forms["satisfaction"].consent_fields == []
    assert forms["contact"].consent_fields == []
    for form in forms.values():
        for name in form.consent_fields:
            assert form.field(name).constraints == {"required": True, "enum": [True]}


def test_help_request_says_what_the_policy_says(forms):
    form = forms["help-request"]
    assert "لجنة البحث" in form.after_submit["ar"] and "أسبوعين" in form.after_submit["ar"]
    assert "research committee" in form.after_submit["en"] and "two weeks" in form.after_submit["en"]
    assert "مسؤول مسؤولية مباشرة عن صحة المعلومات" in form.field("declaration").label["ar"]
    assert form.field("national_id").constraints["pattern"] == "[12][0-9]{9}"


def test_satisfaction_is_anonymous_and_uses_the_policys_channels(forms):
    form = forms["satisfaction"]
    names = {f.name for f in form.fields}
    assert not names & {"name", "mobile", "email"}
    assert [o.value for o in form.field("channel").options] == [
        "interview", "phone", "social-media", "letters", "help-request", "volunteering", "website",
        "branch-representatives",
    ]
    assert "لا للعقاب والتشهير" in form.intro["ar"]
    assert "not for punishment or public shaming" in form.intro["en"]
    for name in ("rating_overall", "rating_courtesy", "rating_speed", "rating_clarity"):
        field = form.field(name)
        assert field.type == "integer" and field.control == "radios"
        assert (field.constraints["minimum"], field.constraints["maximum"]) == (1, 5)
        assert [o.value for o in field.options] == [5, 4, 3, 2, 1]


def test_contact_needs_a_way_to_reply(forms):
    """A reply by phone needs the mobile number, a reply by email the address (each asked only
    for its kind of reply: `relevant:`); each error is shown on the missing field, in both
    languages, and an answer to the other one is dropped, not refused."""
    from generator.forms import error_message, read_submission

    form = forms["contact"]
    assert form.rules == ()
    names = [f.name for f in form.fields]
    assert names.index("reply_by") < names.index("mobile") < names.index("email")
    for name, channel in (("mobile", "phone"), ("email", "email")):
        field = form.field(name)
        assert field.required and field.relevant is not None
        assert [(t.field, t.op, t.value) for t in field.relevant.tests] == [("reply_by", "equals", channel)]
    base = {"kind": "enquiry", "subject": "Opening hours", "message": "When are you open?", "name": "Amal"}
    call_me = read_submission(form, {**base, "reply_by": "phone", "email": "amal@example.org"})
    assert call_me.errors == {"mobile": ["required"]}
    assert "mobile" in error_message(form, "mobile", "required", "en")
    assert "جوال" in error_message(form, "mobile", "required", "ar")
    write_me = read_submission(form, {**base, "reply_by": "email", "mobile": "0501234567"})
    assert write_me.errors == {"email": ["required"]}
    called = read_submission(form, {**base, "reply_by": "phone", "mobile": "0501234567", "email": "amal@example.org"})
    assert called.ok and called.row["mobile"] == "0501234567" and called.row["email"] is None
    written = read_submission(form, {**base, "reply_by": "email", "email": "amal@example.org", "mobile": "0501"})
    assert written.ok and written.row["email"] == "amal@example.org" and written.row["mobile"] is None
    # A wrong number is the field's own error; with no reply chosen, neither is asked.
    wrong = read_submission(form, {**base, "reply_by": "phone", "mobile": "123"})
    assert wrong.errors == {"mobile": ["pattern"]}
    assert read_submission(form, {**base, "mobile": "123"}).errors == {"reply_by": ["required"]}


def test_the_notice_version_is_the_form_version_and_a_hash_of_what_the_notice_shows(forms):
    import dataclasses
    import re

    form = forms["help-request"]
    assert re.fullmatch(rf"{form.version}-[0-9a-f]{{8}}", form.notice_version)
    assert len({f.notice_version for f in forms.values()}) == len(forms)
    same = dataclasses.replace(form)
    assert same.notice_version == form.notice_version  # stable: the site and the endpoint agree
    changed = dataclasses.replace(form, privacy={**form.privacy, "en": form.privacy["en"] + " More."})
    assert changed.notice_version != form.notice_version
    relabelled = dataclasses.replace(form, fields=[dataclasses.replace(form.fields[0], sensitive=True),
                                                   *form.fields[1:]])
    assert relabelled.notice_version != form.notice_version
    assert dataclasses.replace(form, version=2).notice_version.startswith("2-")
