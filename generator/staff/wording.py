"""How the workspace says things in the account's language: dates (in the organisation's
time zone, the Umm al-Qura date beside), form titles, case states and channels."""
from __future__ import annotations

import datetime as dt

from generator.core import i18n
from generator.submissions.store import Store

from .context import StaffContext


def when(ctx: StaffContext, value: dt.datetime | None, lang: str, *, time: bool = True) -> str:
    """Date (and time) in `lang` and the organisation's time zone, the Umm al-Qura date beside."""
    if value is None:
        return ""
    local = value.astimezone(ctx.zone)
    digits = ctx.digits
    text = i18n.format_date(local.date(), lang, digits)
    if time:
        text += " " + i18n.localise_digits(local.strftime("%H:%M"), lang, digits)
    return f"{text} ({i18n.format_hijri(local.date(), lang, digits)})"


def names_by_email(store: Store) -> dict[str, str]:
    """Each named staff account's name by its e-mail address (assignees and actors are stored
    by address: looked up when shown, so a renamed account shows its new name; an address
    without a named account is shown as it is)."""
    return {account.email: account.name for account in store.accounts() if account.name}


async def staff_names(ctx: StaffContext) -> dict[str, str]:
    """names_by_email, read on the store's thread."""
    return await ctx.run(names_by_email, ctx.store)


def timeline_names(names: dict[str, str], lang: str) -> dict[str, str]:
    """Staff names, and the words for an applicant's own actions in a timeline (files added from
    the status page: db/attachments.py add_attachments with who="status-page")."""
    return {**names, "status-page": i18n.gettext(lang, "The applicant, from the status page")}


def staff_name(email: str | None, names: dict[str, str]) -> str:
    """The name of a staff member (their address when the account is gone or has no name)."""
    return "" if not email else names.get(email) or email


def form_title(ctx: StaffContext, form_id: str, lang: str) -> str:
    form = ctx.forms.get(form_id)
    return str(form.title.get(lang, form_id)) if form else form_id


def state_name(ctx: StaffContext, form_id: str, state: str | None, lang: str) -> str:
    form = ctx.forms.get(form_id)
    if state is None or form is None or form.workflow is None:
        return state or ""
    try:
        return str(form.workflow.state(state).name.get(lang, state))
    except (KeyError, ValueError):
        return state


def channels(ctx: StaffContext, lang: str) -> list[tuple[str, str]]:
    """The policy's channels (content/channels.yml) but the website and the entries that are
    services (`service: true`): (id, name)."""
    return [(id_, names[lang]) for id_, names in ctx.channel_names.items()
            if id_ != "website" and id_ not in ctx.services]


def channel_name(ctx: StaffContext, channel: str, lang: str) -> str:
    if channel in ctx.channel_names:
        return ctx.channel_names[channel][lang]
    return i18n.gettext(lang, "The website") if channel == "website" else channel
