"""One submission's page, as the inbox shows it and as casework shows it again after a
refused change: the answers (decrypted: the view is audited as staff-view), the other
submissions with the same national ID, mobile or e-mail, and the case box (state, due
date or closing time, assignee, priority, the timeline with its notes, and the controls).
From 1024 px the answers and the case sit side by side; on a phone the case comes first.
Staff appear by name (looked up when shown: they are stored by e-mail address); consent
in words (the print view keeps the technical values)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from starlette.requests import Request
from starlette.responses import Response

from generator.core import i18n
from generator.forms import Form, not_asked
from generator.forms.replies import fill
from generator.forms.workflow import Reason
from generator.submissions.notices import applicant_address, applicant_mobile
from generator.submissions.records import Submission

from .accounts import visible_forms
from .context import StaffContext
from .files_page import file_rows
from .guards import may_see
from .sessions import Current
from .wording import channel_name, form_title, staff_name, staff_names, state_name, timeline_names, when

NOTE_LIMIT = 4000  # characters: a note is a summary, not a file


async def submission_page(ctx: StaffContext, request: Request, current: Current, sub: Submission, *,
                          status: int = 200, done: str = "", case_problem: str | None = None,
                          typed: dict[str, str] | None = None) -> Response:
    """The page (audited: staff-view); `case_problem` and `typed`: a refused change, said,
    and what the person typed."""
    lang = current.account.language
    await ctx.run(ctx.store.mark_opened, sub.reference, ctx.clock())
    await ctx.run(ctx.audit, current.account.email, "staff-view", sub.reference, form_id=sub.form_id, rows=1)
    visible_others = []
    for item in await others(ctx, sub):
        rows = await ctx.run(ctx.store.inbox_find, item["references"], [])
        refs = [r.reference for r in rows if may_see(ctx, current, r.form_id)]
        if refs:
            visible_others.append({"kind": item["kind"], "references": refs})
    now = ctx.clock()
    names = await staff_names(ctx)
    case = await case_box(ctx, sub, lang, current, names)
    if case["case"] is not None:
        case["case"].update(reply_box(ctx, sub, request.query_params.get("reply", ""), typed or {}, lang))
    return ctx.pages.page(request, "submission.html", lang, status=status, current=current,
                          **described(ctx, sub, lang, names), **case, others=visible_others, done=done,
                          files=await files_of(ctx, sub, lang, names),
                          case_problem=case_problem, typed=typed or {},
                          overdue=sub.closed_at is None and sub.due_at is not None and sub.due_at < now)


def described(ctx: StaffContext, sub: Submission, lang: str, names: dict[str, str]) -> dict[str, Any]:
    """What the submission page and the print view show of a submission (the consent in words,
    and its technical values for print and export)."""
    consent = sub.consent or {}
    return {"reference": sub.reference, "form_id": sub.form_id, "form_title": form_title(ctx, sub.form_id, lang),
            "received": when(ctx, sub.submitted_at, lang), "form_version": sub.form_version,
            "answers": answers(ctx, sub, lang), "spam": sub.status == "suspected-spam",
            "consent_at": str(consent.get("given_at", "")), "notice": str(consent.get("notice_version", "")),
            "consent_fields": ", ".join(str(f) for f in consent.get("fields", {}) or {}),
            "consent_words": consent_words(ctx, sub, lang),
            "state": state_name(ctx, sub.form_id, sub.case_state, lang),
            "due": when(ctx, sub.due_at, lang, time=False), "closed": when(ctx, sub.closed_at, lang),
            "assigned_to": staff_name(sub.assigned_to, names), "urgent": sub.priority == "urgent"}


async def files_of(ctx: StaffContext, sub: Submission, lang: str, names: dict[str, str]) -> list[dict[str, Any]]:
    """The submission's files as the submission page and the print views list them (files_page.py)."""
    return file_rows(ctx, sub, await ctx.run(ctx.store.attachments_of, sub.reference), lang, names)


def consent_words(ctx: StaffContext, sub: Submission, lang: str) -> str:
    """"Agreed to the declaration and the privacy notice of 15 July 2026, version 3, on …": the
    notice's date is known for the form's current notice only."""
    consent = sub.consent or {}
    if not consent.get("fields"):
        return i18n.gettext(lang, "No consent was asked for.")
    notice = str(consent.get("notice_version", ""))
    version = i18n.localise_digits(notice.partition("-")[0] or sub.form_version, lang, ctx.digits)
    try:
        given = when(ctx, dt.datetime.fromisoformat(str(consent.get("given_at", ""))), lang)
    except ValueError:
        given = ""
    form = ctx.forms[sub.form_id]
    if notice == form.notice_version and form.privacy_updated is not None:
        return i18n.gettext(lang, "Agreed to the declaration and the privacy notice of %(date)s, version %(version)s, "
                                  "on %(when)s.", date=i18n.format_date(form.privacy_updated, lang, ctx.digits),
                            version=version, when=given)
    return i18n.gettext(lang, "Agreed to the declaration and an earlier privacy notice, version %(version)s, "
                              "on %(when)s.", version=version, when=given)


def answers(ctx: StaffContext, sub: Submission, lang: str) -> list[dict[str, Any]]:
    form = ctx.forms[sub.form_id]
    shown = []
    skipped = not_asked(form, sub.answers)  # only the questions that applied (forms/relevance.py)
    for field in form.fields:
        if field.name not in sub.answers or sub.answers[field.name] in (None, "", []) or field.name in skipped:
            continue
        if field.files is not None:  # its answer is the files' numbers: the files are listed apart
            continue
        value = sub.answers[field.name]
        labels = {str(option.value): option.label.get(lang, str(option.value)) for option in field.options}
        values = value if isinstance(value, list) else [value]
        texts = []
        for item in values:
            if isinstance(item, bool):
                texts.append(i18n.gettext(lang, "Yes") if item else i18n.gettext(lang, "No"))
            else:
                texts.append(labels.get(str(item), str(item)))
        shown.append({"label": field.label.get(lang, field.name), "values": texts})
    return shown


async def others(ctx: StaffContext, sub: Submission) -> list[dict[str, Any]]:
    """Other submissions holding the same national ID, mobile or e-mail hash."""
    assert sub.id is not None  # read from the store
    pairs = await ctx.run(ctx.store.digests_of, sub.id)
    found = []
    for kind, digest in pairs:
        ids = [i for i in await ctx.run(ctx.store.ids_by_digests, [digest]) if i != sub.id]
        rows = await ctx.run(ctx.store.inbox_find, [], ids)
        found.append({"kind": kind, "references": [r.reference for r in rows]})
    return found


async def case_box(ctx: StaffContext, sub: Submission, lang: str, current: Current,
                   names: dict[str, str]) -> dict[str, Any]:
    """The case box: state, due date (or when it closed), assignee, priority, the timeline
    (notes decrypted: the page view is audited) and the controls."""
    form = ctx.forms[sub.form_id]
    if form.workflow is None or sub.case_state is None:
        return {"case": None}
    workflow = form.workflow
    events = await ctx.run(ctx.store.case_events, sub.reference)
    actors = timeline_names(names, lang)
    timeline = [{"at": when(ctx, e.at, lang), "datetime": e.at.isoformat(), "actor": staff_name(e.actor, actors),
                 "kind": e.kind, "from": state_name(ctx, sub.form_id, e.from_state, lang),
                 "to": state_name(ctx, sub.form_id, e.to_state, lang),
                 "reason": _name(workflow.reasons, e.reason, lang) if e.kind == "state" else "",
                 "due": when(ctx, e.due_at, lang, time=False), "urgent": e.kind == "priority" and e.reason == "urgent",
                 "assigned_to": staff_name(e.assigned_to, names), "note": e.note,
                 **_event_words(form, e.kind, e.reason, e.old_value, lang)} for e in events]
    state = workflow.state(sub.case_state)
    # The clock of a waiting case runs again once the applicant sent documents (cases.documents_received).
    clock = [e.kind for e in events if e.kind in ("pause", "resume")]
    due_day = sub.due_at.astimezone(ctx.zone) - dt.timedelta(microseconds=1) if sub.due_at else ctx.clock()
    return {"case": {
        "version": sub.case_version, "closed": state.closed, "paused": state.pauses_clock and clock[-1:] != ["resume"],
        "may_reopen": sub.closed_at is not None and workflow.reopen_to is not None
        and current.account.role == "admin",
        "reopen_to": state_name(ctx, sub.form_id, workflow.reopen_to, lang),
        "due_day": due_day.date().isoformat(),
        "next": [{"id": s, "name": state_name(ctx, sub.form_id, s, lang),
                  "needs": workflow.state(s).needs} for s in state.next],
        "reasons": [{"id": r.id, "name": r.name.get(lang, r.id)} for r in workflow.reasons],
        "assignees": [(email, staff_name(email, names)) for email in await assignees(ctx, sub)],
        "me": current.account.email, "assigned_email": sub.assigned_to or "", "timeline": timeline,
        "channel": channel_name(ctx, sub.channel, lang), "entered_by": staff_name(sub.entered_by, names),
        "note_limit": NOTE_LIMIT,
        "fields": [{"name": f.name, "label": f.label.get(lang, f.name)} for f in form.fields
                   if f.type != "boolean" and f.files is None]}}  # files are not corrected by typing


async def assignees(ctx: StaffContext, sub: Submission) -> list[str]:
    """Who a case may be assigned to: the active admins and caseworkers of its form
    (and whoever has it now)."""
    accounts = await ctx.run(ctx.store.accounts)
    return sorted({a.email for a in accounts if not a.disabled and a.role in ("admin", "caseworker")
                   and sub.form_id in visible_forms(a, sorted(ctx.forms))} | (
                      {sub.assigned_to} if sub.assigned_to else set()))


def reply_box(ctx: StaffContext, sub: Submission, chosen: str, typed: dict[str, str], lang: str) -> dict[str, Any]:
    """The reply form: the form's templates (content/replies.yml), the one chosen (?reply=),
    else the one for the case's state, else the first, filled in the applicant's language
    with the reference and the state's public wording; whether e-mail can carry it."""
    form = ctx.forms[sub.form_id]
    replies = ctx.replies.get(sub.form_id, ())
    by_id = {r.id: r for r in replies}
    reply = by_id.get(chosen) or next((r for r in replies if r.state == sub.case_state), None) or (
        replies[0] if replies else None)
    public = form.workflow.state(sub.case_state).public if form.workflow and sub.case_state else {}
    text = typed.get("reply_text") or (fill(reply.text[sub.language], reference=sub.reference,
                                            state=public.get(sub.language, "")) if reply else "")
    email, sms = reply_channels(ctx, form, sub)
    return {"replies": [{"id": r.id, "name": r.name[lang]} for r in replies], "reply": reply.id if reply else "",
            "reply_text": text, "reply_language": sub.language, "reply_email": email, "reply_sms": sms,
            "reply_channel": typed.get("reply_channel") or ("email" if email else "sms")}


def reply_channels(ctx: StaffContext, form: Form, sub: Submission) -> tuple[bool, bool]:
    """Whether a reply can go by e-mail (e-mail is set up, the applicant gave an address)
    and by SMS (the form has an SMS gateway, `reply_sms` webhook, and the applicant gave a
    phone number); both need the outbox (notifications on)."""
    planner = ctx.store.outbox_planner
    email = bool(planner and planner.email and applicant_address(form, sub.answers))
    sms = bool(planner and form.notify.sms_webhook and applicant_mobile(form, sub.answers))
    return email, sms


def _event_words(form: Form, kind: str, reason: str | None, old: Any, lang: str) -> dict[str, Any]:
    """A correction's field (its label) and old value (as answers are shown); a call's
    direction and outcome; a reply's channel (issue 33: db/corrections.py)."""
    if kind == "correction" and reason:
        label = next((f.label.get(lang, f.name) for f in form.fields if f.name == reason), reason)
        return {"field": label, "old": ", ".join(_texts(form, reason, old, lang)) if old not in (None, "", []) else ""}
    if kind == "reply":
        return {"channel": reason}
    if kind == "documents-received":
        return {"files": int(reason or 0)}
    if kind == "call" and reason:
        direction, _, outcome = reason.partition(":")
        return {"direction": direction, "outcome": outcome}
    return {}


def _texts(form: Form, name: str, value: Any, lang: str) -> list[str]:
    field = next((f for f in form.fields if f.name == name), None)
    labels = {str(o.value): o.label.get(lang, str(o.value)) for o in field.options} if field else {}
    texts = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, bool):
            texts.append(i18n.gettext(lang, "Yes") if item else i18n.gettext(lang, "No"))
        else:
            texts.append(labels.get(str(item), str(item)))
    return texts


def _name(items: Sequence[Reason], item_id: str | None, lang: str) -> str:
    for item in items:
        if item.id == item_id:
            return str(item.name.get(lang, item_id))
    return item_id or ""
