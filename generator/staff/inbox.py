"""The inbox: what staff do with submissions, by role.

    GET  /staff/forms/<form_id>/                 the list, newest first, 50 a page (keyset: ?older=<id>, ?newer=<id>);
                                                 ?sort=due|state (paged with ?page=N), ?f.<field>=<choice> for
                                                 each `report: true` choice; each row with the form's summary
                                                 answers (triage.py)
    GET  /staff/forms/<form_id>/spam             the suspected-spam folder
    GET  /staff/search                           the search page (an old ?q= is ignored: no words in an address)
    POST /staff/search  q=...                    a reference (as people type it) or, for admins and caseworkers,
                                                 a national ID, mobile or e-mail through the lookup hashes; the
                                                 results are the answer itself (no redirect carrying the words)
    GET  /staff/submissions/<reference>          the answers (audited: staff-view)
    GET  /staff/submissions/<reference>/print    the print view (audited: staff-print)
    POST /staff/submissions/<reference>/release  a suspected-spam submission accepted, its case opened
    GET  /staff/submissions/<reference>/delete   the confirmation page; POST deletes (audited)
    GET  /staff/forms/<form_id>/export?from=&to=&notes=1 the Data Package and a spreadsheet, zipped (exports.py;
                                                 audited: staff-export, and staff-export-notes with notes)

Admins see every form, caseworkers their own forms; viewers see the counts on
the home page and get 404 (audited) on everything else here, as does anyone
asking for a form or submission outside their forms. The list decrypts the
summary answers of the rows it shows only; a submission page decrypts that one
row. Audit rows name the reference, never content.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.submissions import cases, references
from generator.submissions.db.inbox import PAGE_SIZE, SORTS, InboxRow
from generator.submissions.records import Submission
from generator.web.downloads import closed_on_error, zip_response

from . import exports
from .accounts import visible_forms
from .bulk import form_assignees
from .context import StaffContext
from .guards import NotFound, may_see, require, require_submission
from .request_data import form_data, typed_number
from .sessions import Current
from .submission_page import described, files_of, submission_page
from .triage import choice_filters, chosen, page_answers, summary_headings, summary_texts
from .wording import form_title, staff_name, staff_names, state_name, when

_KINDS = ("national_id", "mobile", "email")


async def counts(ctx: StaffContext, current: Current) -> dict[str, dict[str, int]]:
    """The home page's counts of each form this account may see (new, open, the last 30 days)."""
    shown = visible_forms(current.account, sorted(ctx.forms))
    now = ctx.clock()
    return dict(await ctx.run(ctx.store.inbox_counts, shown, now - dt.timedelta(days=30), now))


async def my_cases(ctx: StaffContext, current: Current) -> list[dict[str, Any]]:
    """The home page's first table: this person's open cases, most overdue first (readers only)."""
    if current.account.role == "viewer":
        return []
    shown = visible_forms(current.account, sorted(ctx.forms))
    rows = await ctx.run(ctx.store.my_open_cases, current.account.email, shown)
    inbox, lang, now = Inbox(ctx), current.account.language, ctx.clock()
    names = await staff_names(ctx)
    return [inbox.line(row, lang, now, names) for row in rows]


class Inbox:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/forms/{form_id}/", self.form_list, methods=["GET"]),
            Route("/staff/forms/{form_id}/spam", self.spam_list, methods=["GET"]),
            Route("/staff/forms/{form_id}/export", self.export, methods=["GET"]),
            Route("/staff/search", self.search, methods=["GET", "POST"]),
            Route("/staff/submissions/{reference}", self.submission, methods=["GET"]),
            Route("/staff/submissions/{reference}/print", self.print_view, methods=["GET"]),
            Route("/staff/submissions/{reference}/release", self.release, methods=["POST"]),
            Route("/staff/submissions/{reference}/delete", self.delete_page, methods=["GET"]),
            Route("/staff/submissions/{reference}/delete", self.delete, methods=["POST"]),
        ]

    def line(self, row: InboxRow, lang: str, now: dt.datetime, names: dict[str, str] | None = None,
             summary: list[str] | None = None) -> dict[str, Any]:
        ctx = self.ctx
        overdue = row.closed_at is None and row.due_at is not None and row.due_at < now
        return {"reference": row.reference, "received": when(ctx, row.submitted_at, lang),
                "opened": row.opened_at is not None, "state": state_name(ctx, row.form_id, row.case_state, lang),
                "due": when(ctx, row.due_at, lang, time=False), "overdue": overdue,
                "closed": when(ctx, row.closed_at, lang, time=False), "urgent": row.priority == "urgent",
                "assigned_to": staff_name(row.assigned_to, names or {}), "form_id": row.form_id,
                "form_title": form_title(ctx, row.form_id, lang), "spam": row.status == "suspected-spam",
                "summary": summary or [], "id": row.id}

    # -- the list ----------------------------------------------------------------

    async def form_list(self, request: Request) -> Response:
        return await self._list(request, status="accepted")

    async def spam_list(self, request: Request) -> Response:
        return await self._list(request, status="suspected-spam")

    async def _list(self, request: Request, *, status: str) -> Response:
        ctx = self.ctx
        form_id = request.path_params["form_id"]
        current = await require(ctx, request, role="reader", form_id=form_id, what="form")
        lang = current.account.language
        params = request.query_params
        now = ctx.clock()
        show = params.get("show", "")
        opened = {"new": False, "opened": True}.get(show)
        since, until, date_problem = _day(params.get("from", "")), _day(params.get("to", "")), False
        if (params.get("from") and since is None) or (params.get("to") and until is None):
            date_problem = True
        state = params.get("state", "")
        form = ctx.forms[form_id]
        states = [(s.id, s.name.get(lang, s.id)) for s in form.workflow.states] if form.workflow else []
        older, newer = _int(params.get("older")), _int(params.get("newer"))
        sort = params.get("sort", "") if params.get("sort", "") in SORTS and form.workflow else "received"
        page = max(0, min(_int(params.get("page")) or 0, 10_000))
        choices = chosen(form, params)
        rows, more = await ctx.run(
            ctx.store.inbox_page, form_id, status=status, opened=opened, since=since,
            until=until + dt.timedelta(days=1) if until else None, older_than=older, newer_than=newer,
            case_states=[state] if state in dict(states) else None,
            assigned_to=current.account.email if params.get("mine") == "1" else None,
            unassigned=params.get("unassigned") == "1", overdue_at=now if params.get("overdue") == "1" else None,
            choices=choices, sort=sort, state_order=[s for s, _ in states], page=page)
        keep = {k: v for k, v in params.items()
                if k not in ("older", "newer", "page", "sort", "done", "changed", "left") and v}
        query = "".join(f"&{k}={_q(v)}" for k, v in keep.items())
        if sort == "received":
            older_link = f"?older={rows[-1].id}{query}" if rows and (more or newer is not None) else None
            newer_link = f"?newer={rows[0].id}{query}" \
                if rows and ((newer is not None and more) or older is not None) else None
        else:
            older_link = f"?sort={sort}&page={page + 1}{query}" if more else None
            newer_link = f"?sort={sort}&page={page - 1}{query}" if page else None
        names = await staff_names(ctx)
        answers = await page_answers(ctx, form, [r.id for r in rows])
        lines = [self.line(r, lang, now, names, summary_texts(form, answers[r.id], lang) if r.id in answers else None)
                 for r in rows]
        sort_links = {key: f"?sort={key}{query}" for key in SORTS}
        return ctx.pages.page(request, "inbox.html", lang, current=current, form_id=form_id,
                              form_title=form_title(ctx, form_id, lang), spam=status == "suspected-spam",
                              lines=lines, older_link=older_link, sort=sort, sort_links=sort_links,
                              summary_headings=summary_headings(form, lang) if form.summary else [],
                              choice_filters=choice_filters(form, lang), chosen=dict(choices),
                              bulk=bool(states) and status == "accepted" and bool(rows),
                              assignees=await form_assignees(ctx, form_id) if states else [],
                              reasons=[(r.id, r.name.get(lang, r.id)) for r in form.workflow.reasons]
                              if form.workflow else [],
                              bulk_done=_bulk_done(params),
                              newer_link=newer_link, states=states, date_problem=date_problem,
                              filters={"show": show, "from": params.get("from", ""), "to": params.get("to", ""),
                                       "state": state, "mine": params.get("mine") == "1",
                                       "unassigned": params.get("unassigned") == "1",
                                       "overdue": params.get("overdue") == "1"},
                              page_size=PAGE_SIZE, may_export=True)

    # -- search -------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        ctx = self.ctx
        current = await require(ctx, request, role="reader")
        lang = current.account.language
        query = (await form_data(request)).get("q", "").strip() if request.method == "POST" else ""
        found: list[InboxRow] = []
        more = False  # more names found than one page shows
        if query:
            reference = references.normalise(query)
            refs = [reference] if reference else []
            rows = await ctx.run(ctx.store.inbox_find, refs, [])
            indexer = ctx.store.indexer
            how = "reference" if refs else "identifier"
            if not rows and indexer is not None:  # not a reference: a national ID, mobile or e-mail
                digests = indexer.search([(kind, query) for kind in _KINDS])
                ids = await ctx.run(ctx.store.ids_by_digests, digests)
                rows = await ctx.run(ctx.store.inbox_find, [], ids)
            if not rows and indexer is not None:  # or the words of a name, in the forms this account sees
                how = "name"
                seen = [form_id for form_id in sorted(ctx.forms) if may_see(ctx, current, form_id)]
                ids = await ctx.run(lambda: ctx.store.ids_by_name(indexer.name_search(query), seen,
                                                                  limit=PAGE_SIZE + 1))
                more, ids = len(ids) > PAGE_SIZE, ids[:PAGE_SIZE]
                rows = await ctx.run(ctx.store.inbox_find, [], ids)
            found = [r for r in rows if may_see(ctx, current, r.form_id)]
            ctx.audit(current.account.email, "staff-search", f"{how} found={len(found)}", rows=1)
        now = ctx.clock()
        names = await staff_names(ctx) if found else {}
        return ctx.pages.page(request, "search.html", lang, current=current, query=query,
                              lines=[self.line(r, lang, now, names) for r in found], searched=bool(query),
                              more=more, page_size=PAGE_SIZE)

    # -- one submission ----------------------------------------------------------------

    async def submission(self, request: Request) -> Response:
        current, sub = await require_submission(self.ctx, request)
        return await submission_page(self.ctx, request, current, sub, done=request.query_params.get("done", ""))

    async def print_view(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await require_submission(ctx, request)
        lang = current.account.language
        await ctx.run(ctx.audit, current.account.email, "staff-print", sub.reference, form_id=sub.form_id, rows=1)
        names = await staff_names(ctx)
        return ctx.pages.page(request, "print.html", lang, current=current, **described(ctx, sub, lang, names),
                              files=await files_of(ctx, sub, lang, names),
                              organisation=ctx.organisation.org("name", lang), printed=when(ctx, ctx.clock(), lang))

    # -- spam ----------------------------------------------------------------------

    async def release(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await require_submission(ctx, request)
        if await ctx.run(ctx.store.release_spam, sub.reference):
            form = ctx.forms[sub.form_id]
            if form.workflow is not None:
                fields = cases.open_case(form, sub.submitted_at, ctx.calendar)
                row_id = sub.id
                assert row_id is not None  # read from the store
                await ctx.run(lambda: ctx.store.start_cases(
                    sub.form_id, state=fields["case_state"], due=[(row_id, fields["due_at"])]))
            await ctx.run(ctx.audit, current.account.email, "staff-spam-release", sub.reference,
                          form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/forms/{sub.form_id}/")

    async def delete_page(self, request: Request) -> Response:
        current, sub = await self._spam(request)
        return self.ctx.pages.page(request, "delete.html", current.account.language, current=current,
                                   reference=sub.reference, form_id=sub.form_id)

    async def delete(self, request: Request) -> Response:
        ctx = self.ctx
        current, sub = await self._spam(request)
        await ctx.run(ctx.store.delete_references, [sub.reference])
        if ctx.files is not None:  # its files' bytes, once the rows are gone
            await ctx.run(ctx.files.delete, sub.reference)
        await ctx.run(ctx.audit, current.account.email, "staff-spam-delete", sub.reference,
                      form_id=sub.form_id, rows=1)
        return ctx.pages.redirect(f"/staff/forms/{sub.form_id}/spam")

    async def _spam(self, request: Request) -> tuple[Current, Submission]:
        """A suspected-spam submission (only those may be deleted)."""
        current, sub = await require_submission(self.ctx, request)
        if sub.status != "suspected-spam":
            raise NotFound(current, "delete of an accepted submission")
        return current, sub

    # -- export --------------------------------------------------------------------

    async def export(self, request: Request) -> Response:
        ctx = self.ctx
        form_id = request.path_params["form_id"]
        current = await require(ctx, request, role="reader", form_id=form_id, what="export")
        since, until = _day(request.query_params.get("from", "")), _day(request.query_params.get("to", ""))
        notes = request.query_params.get("notes") == "1"
        handle, rows = await ctx.run(lambda: exports.write_zip(
            ctx, form_id, since, until + dt.timedelta(days=1) if until else None,
            lang=current.account.language, notes=notes))
        period = f"from={request.query_params.get('from', '')} to={request.query_params.get('to', '')}"
        with closed_on_error(handle):
            ctx.audit(current.account.email, "staff-export", period, form_id=form_id, rows=rows)
            if notes:
                ctx.audit(current.account.email, "staff-export-notes", period, form_id=form_id, rows=rows)
            return zip_response(handle, f"{form_id}-export.zip")


def _day(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(i18n.to_western_digits(text.strip()), "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _bulk_done(params: Any) -> dict[str, int] | None:
    """After a bulk change (bulk.py): how many rows changed and how many were left."""
    if params.get("done") == "bulk-none":
        return {"changed": 0, "left": 0}
    if params.get("done") != "bulk":
        return None
    return {"changed": _int(params.get("changed")) or 0, "left": _int(params.get("left")) or 0}


def _int(text: str | None) -> int | None:
    return typed_number(text)


def _q(value: str) -> str:
    return quote(value, safe="")
