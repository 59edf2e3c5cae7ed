"""The inbox (issue 18): what staff do with submissions, by role.

    GET  /staff/forms/<form_id>/                 the list, newest first, 50 a page (keyset: ?older=<id>, ?newer=<id>)
    GET  /staff/forms/<form_id>/spam             the suspected-spam folder
    GET  /staff/search?q=...                     a reference (as people type it) or, for admins and caseworkers,
                                                 a national ID, mobile or e-mail through the lookup hashes
    GET  /staff/submissions/<reference>          the answers (audited: staff-view)
    GET  /staff/submissions/<reference>/print    the print view (audited: staff-print)
    POST /staff/submissions/<reference>/release  a suspected-spam submission accepted, its case opened
    GET  /staff/submissions/<reference>/delete   the confirmation page; POST deletes (audited)
    GET  /staff/forms/<form_id>/export?from=&to= the Data Package zip (audited: staff-export)

Admins see every form, caseworkers their own forms; viewers see the counts on
the home page and get 404 (audited) on everything else here, as does anyone
asking for a form or submission outside their forms. The list reads no answers;
a submission page decrypts that one row. Audit rows name the reference, never content.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from generator.core import i18n
from generator.core.organisation import load_organisation
from generator.submissions import audit, cases, export, references
from generator.submissions.db.inbox import PAGE_SIZE, InboxRow

from .accounts import visible_forms
from .sessions import Current

_KINDS = ("national_id", "mobile", "email")


class Inbox:
    def __init__(self, workspace: Any) -> None:
        self.ws = workspace
        self.organisation = load_organisation(workspace.settings.root)
        self.calendar = cases.WorkingCalendar.from_settings(self.organisation)

    # -- helpers ----------------------------------------------------------------

    def digits(self) -> str:
        return self.organisation.arabic_digits

    def when(self, value: dt.datetime | None, lang: str, *, time: bool = True) -> str:
        """Date (and time) in the account's language and the organisation's time zone, the Umm al-Qura date beside."""
        if value is None:
            return ""
        local = value.astimezone(self.calendar.zone)
        digits = self.digits()
        text = i18n.format_date(local.date(), lang, digits)
        if time:
            text += " " + i18n.localise_digits(local.strftime("%H:%M"), lang, digits)
        return f"{text} ({i18n.format_hijri(local.date(), lang, digits)})"

    def audit(self, who: str, action: str, form_id: str | None, detail: str) -> None:
        audit.record(self.ws.store, who=who, action=action, form_id=form_id, rows=1, detail=detail,
                     now=self.ws.clock())

    async def reader(self, request: Request) -> tuple[Current | None, Response | None]:
        """Signed in, and not a viewer (viewers see counts only)."""
        current, response = await self.ws.signed_in(request)
        if current is None:
            return None, response
        if current.account.role == "viewer":
            return None, await self.ws.refuse(request, current, "viewer")
        return current, None

    async def form_reader(self, request: Request, what: str) -> tuple[Current | None, str, Response | None]:
        """`reader`, and a form (the path's form_id) this account may see; else 404, audited as `what`."""
        current, response = await self.reader(request)
        form_id = request.path_params["form_id"]
        if current is None:
            return None, form_id, response
        if form_id not in self.ws.forms or not self.may_see(current, form_id):
            return None, form_id, await self.ws.refuse(request, current, f"{what} {form_id}")
        return current, form_id, None

    def may_see(self, current: Current, form_id: str) -> bool:
        return form_id in visible_forms(current.account, sorted(self.ws.forms))

    def state_name(self, form_id: str, state: str | None, lang: str) -> str:
        form = self.ws.forms.get(form_id)
        if state is None or form is None or form.workflow is None:
            return state or ""
        try:
            return str(form.workflow.state(state).name.get(lang, state))
        except (KeyError, ValueError):
            return state

    def line(self, row: InboxRow, lang: str, now: dt.datetime) -> dict[str, Any]:
        overdue = row.closed_at is None and row.due_at is not None and row.due_at < now
        return {"reference": row.reference, "received": self.when(row.submitted_at, lang),
                "opened": row.opened_at is not None, "state": self.state_name(row.form_id, row.case_state, lang),
                "due": self.when(row.due_at, lang, time=False), "overdue": overdue,
                "assigned_to": row.assigned_to or "", "form_id": row.form_id,
                "form_title": self.form_title(row.form_id, lang), "spam": row.status == "suspected-spam"}

    def form_title(self, form_id: str, lang: str) -> str:
        form = self.ws.forms.get(form_id)
        return str(form.title.get(lang, form_id)) if form else form_id

    # -- home counts ------------------------------------------------------------

    async def counts(self, current: Current) -> dict[str, dict[str, int]]:
        shown = visible_forms(current.account, sorted(self.ws.forms))
        now = self.ws.clock()
        return dict(await self.ws.run(self.ws.store.inbox_counts, shown, now - dt.timedelta(days=30), now))

    # -- the list ----------------------------------------------------------------

    async def form_list(self, request: Request) -> Response:
        return await self._list(request, status="accepted")

    async def spam_list(self, request: Request) -> Response:
        return await self._list(request, status="suspected-spam")

    async def _list(self, request: Request, *, status: str) -> Response:
        current, form_id, response = await self.form_reader(request, "form")
        if current is None:
            return response  # type: ignore[return-value]
        lang = current.account.language
        params = request.query_params
        now = self.ws.clock()
        show = params.get("show", "")
        opened = {"new": False, "opened": True}.get(show)
        since, until, date_problem = _day(params.get("from", "")), _day(params.get("to", "")), False
        if (params.get("from") and since is None) or (params.get("to") and until is None):
            date_problem = True
        state = params.get("state", "")
        form = self.ws.forms[form_id]
        states = [(s.id, s.name.get(lang, s.id)) for s in form.workflow.states] if form.workflow else []
        older, newer = _int(params.get("older")), _int(params.get("newer"))
        rows, more = await self.ws.run(
            self.ws.store.inbox_page, form_id, status=status, opened=opened, since=since,
            until=until + dt.timedelta(days=1) if until else None, older_than=older, newer_than=newer,
            case_states=[state] if state in dict(states) else None,
            assigned_to=current.account.email if params.get("mine") == "1" else None,
            unassigned=params.get("unassigned") == "1", overdue_at=now if params.get("overdue") == "1" else None)
        keep = {k: v for k, v in params.items() if k not in ("older", "newer") and v}
        query = "".join(f"&{k}={_q(v)}" for k, v in keep.items())
        older_link = f"?older={rows[-1].id}{query}" if rows and (more or newer is not None) else None
        newer_link = f"?newer={rows[0].id}{query}" if rows and ((newer is not None and more) or older is not None) \
            else None
        return self.ws.page(request, "inbox.html", lang, current=current, form_id=form_id,
                            form_title=self.form_title(form_id, lang), spam=status == "suspected-spam",
                            lines=[self.line(r, lang, now) for r in rows], older_link=older_link,
                            newer_link=newer_link, states=states, date_problem=date_problem,
                            filters={"show": show, "from": params.get("from", ""), "to": params.get("to", ""),
                                     "state": state, "mine": params.get("mine") == "1",
                                     "unassigned": params.get("unassigned") == "1",
                                     "overdue": params.get("overdue") == "1"},
                            page_size=PAGE_SIZE, may_export=True)

    # -- search -------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        current, response = await self.reader(request)
        if current is None:
            return response  # type: ignore[return-value]
        lang = current.account.language
        query = request.query_params.get("q", "").strip()
        found: list[InboxRow] = []
        if query:
            reference = references.normalise(query)
            refs = [reference] if reference else []
            rows = await self.ws.run(self.ws.store.inbox_find, refs, [])
            indexer = self.ws.store.indexer
            if not rows and indexer is not None:  # not a reference: a national ID, mobile or e-mail
                digests = indexer.search([(kind, query) for kind in _KINDS])
                ids = await self.ws.run(self.ws.store.ids_by_digests, digests)
                rows = await self.ws.run(self.ws.store.inbox_find, [], ids)
            found = [r for r in rows if self.may_see(current, r.form_id)]
            self.audit(current.account.email, "staff-search", None,
                       f"{'reference' if refs else 'identifier'} found={len(found)}")
        now = self.ws.clock()
        return self.ws.page(request, "search.html", lang, current=current, query=query,
                            lines=[self.line(r, lang, now) for r in found], searched=bool(query))

    # -- one submission ----------------------------------------------------------------

    async def _submission(self, request: Request) -> tuple[Current | None, Any, Response | None]:
        current, response = await self.reader(request)
        if current is None:
            return None, None, response
        reference = references.normalise(request.path_params["reference"]) or ""
        subs = list(await self.ws.run(lambda: list(self.ws.store.submissions(reference=reference, status=None))))
        if not subs or not self.may_see(current, subs[0].form_id) or subs[0].form_id not in self.ws.forms:
            return None, None, await self.ws.refuse(request, current, "submission")
        return current, subs[0], None

    def answers(self, sub: Any, lang: str) -> list[dict[str, Any]]:
        form = self.ws.forms[sub.form_id]
        shown = []
        for field in form.fields:
            if field.name not in sub.answers or sub.answers[field.name] in (None, "", []):
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

    async def others(self, sub: Any) -> list[dict[str, Any]]:
        """Other submissions holding the same national ID, mobile or e-mail hash."""
        pairs = await self.ws.run(self.ws.store.digests_of, sub.id)
        found = []
        for kind, digest in pairs:
            ids = [i for i in await self.ws.run(self.ws.store.ids_by_digests, [digest]) if i != sub.id]
            rows = await self.ws.run(self.ws.store.inbox_find, [], ids)
            found.append({"kind": kind, "references": [r.reference for r in rows]})
        return found

    async def submission(self, request: Request) -> Response:
        current, sub, response = await self._submission(request)
        if current is None:
            return response  # type: ignore[return-value]
        return await self.show(request, current, sub, done=request.query_params.get("done", ""))

    async def show(self, request: Request, current: Current, sub: Any, *, status: int = 200, done: str = "",
                   case_problem: str | None = None, typed: dict[str, str] | None = None) -> Response:
        """The submission page (audited: staff-view), with the case box of casework.py;
        `case_problem` and `typed`: a refused change, said, and what the person typed."""
        lang = current.account.language
        await self.ws.run(self.ws.store.mark_opened, sub.reference, self.ws.clock())
        await self.ws.run(self.audit, current.account.email, "staff-view", sub.form_id, sub.reference)
        others = await self.others(sub)
        visible_others = []
        for item in others:
            rows = await self.ws.run(self.ws.store.inbox_find, item["references"], [])
            refs = [r.reference for r in rows if self.may_see(current, r.form_id)]
            if refs:
                visible_others.append({"kind": item["kind"], "references": refs})
        now = self.ws.clock()
        case = await self.ws.casework.view(sub, lang, current)
        return self.ws.page(request, "submission.html", lang, status=status, current=current,
                            **self.described(sub, lang), **case, others=visible_others, done=done,
                            case_problem=case_problem, typed=typed or {},
                            overdue=sub.closed_at is None and sub.due_at is not None and sub.due_at < now)

    def described(self, sub: Any, lang: str) -> dict[str, Any]:
        consent = sub.consent or {}
        return {"reference": sub.reference, "form_id": sub.form_id, "form_title": self.form_title(sub.form_id, lang),
                "received": self.when(sub.submitted_at, lang), "form_version": sub.form_version,
                "answers": self.answers(sub, lang), "spam": sub.status == "suspected-spam",
                "consent_at": str(consent.get("given_at", "")), "notice": str(consent.get("notice_version", "")),
                "consent_fields": ", ".join(str(f) for f in consent.get("fields", {}) or {}),
                "state": self.state_name(sub.form_id, sub.case_state, lang),
                "due": self.when(sub.due_at, lang, time=False), "assigned_to": sub.assigned_to or ""}

    async def print_view(self, request: Request) -> Response:
        current, sub, response = await self._submission(request)
        if current is None:
            return response  # type: ignore[return-value]
        lang = current.account.language
        await self.ws.run(self.audit, current.account.email, "staff-print", sub.form_id, sub.reference)
        return self.ws.page(request, "print.html", lang, current=current, **self.described(sub, lang),
                            organisation=self.organisation.org("name", lang), printed=self.when(self.ws.clock(), lang))

    # -- spam ----------------------------------------------------------------------

    async def release(self, request: Request) -> Response:
        current, sub, response = await self._submission(request)
        if current is None:
            return response  # type: ignore[return-value]
        if await self.ws.run(self.ws.store.release_spam, sub.reference):
            form = self.ws.forms[sub.form_id]
            if form.workflow is not None:
                fields = cases.open_case(form, sub.submitted_at, self.calendar)
                await self.ws.run(lambda: self.ws.store.start_cases(
                    sub.form_id, state=fields["case_state"], due=[(sub.id, fields["due_at"])]))
            await self.ws.run(self.audit, current.account.email, "staff-spam-release", sub.form_id, sub.reference)
        return self.ws.redirect(f"/staff/forms/{sub.form_id}/")

    async def delete_page(self, request: Request) -> Response:
        current, sub, response = await self._submission(request)
        if current is None:
            return response  # type: ignore[return-value]
        if sub.status != "suspected-spam":
            return await self.ws.refuse(request, current, "delete of an accepted submission")
        return self.ws.page(request, "delete.html", current.account.language, current=current,
                            reference=sub.reference, form_id=sub.form_id)

    async def delete(self, request: Request) -> Response:
        current, sub, response = await self._submission(request)
        if current is None:
            return response  # type: ignore[return-value]
        if sub.status != "suspected-spam":
            return await self.ws.refuse(request, current, "delete of an accepted submission")
        await self.ws.run(self.ws.store.delete_references, [sub.reference])
        await self.ws.run(self.audit, current.account.email, "staff-spam-delete", sub.form_id, sub.reference)
        return self.ws.redirect(f"/staff/forms/{sub.form_id}/spam")

    # -- export --------------------------------------------------------------------

    async def export(self, request: Request) -> Response:
        current, form_id, response = await self.form_reader(request, "export")
        if current is None:
            return response  # type: ignore[return-value]
        since, until = _day(request.query_params.get("from", "")), _day(request.query_params.get("to", ""))
        data, rows = await self.ws.run(self._zip, form_id, since, until + dt.timedelta(days=1) if until else None)
        audit.record(self.ws.store, who=current.account.email, action="staff-export", form_id=form_id, rows=rows,
                     detail=f"from={request.query_params.get('from', '')} to={request.query_params.get('to', '')}",
                     now=self.ws.clock())
        name = f"{form_id}-export.zip"
        return Response(data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _zip(self, form_id: str, since: dt.datetime | None, until: dt.datetime | None) -> tuple[bytes, int]:
        data, rows = export.export_zip_counted(_DateRange(self.ws.store, since, until),  # type: ignore[arg-type]
                                               self.ws.forms[form_id])
        return data, int(rows)


class _DateRange:
    """The store as export.py reads it, with only the submissions received in [since, until)."""

    def __init__(self, store: Any, since: dt.datetime | None, until: dt.datetime | None) -> None:
        self.store, self.since, self.until = store, since, until

    def schemas(self, form_id: str) -> Any:
        return self.store.schemas(form_id)

    def submissions(self, form_id: str, *, status: str = "accepted") -> Iterator[Any]:
        for sub in self.store.submissions(form_id, status=status):
            if (self.since is None or sub.submitted_at >= self.since) and (
                    self.until is None or sub.submitted_at < self.until):
                yield sub


def _day(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(i18n.to_western_digits(text.strip()), "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _q(value: str) -> str:
    return quote(value, safe="")
