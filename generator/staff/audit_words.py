"""The audit log in words: each action's name, each actor and each detail as the
reader's language says them (the audit page, audit_page.py).

`ACTION_NAMES` is the registry: every action of submissions/audit.py's ACTIONS has
its name here, and tests/staff/test_audit_page.py fails on one without. A feature
that adds an action adds its name here in the same change (with its Arabic in
generator/locale/ar/LC_MESSAGES/messages.po). Names and labels are English message
ids marked with `_` (so Babel extracts them) and translated when shown.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.core import i18n


def _(message: str) -> str:
    """Marks a message for extraction; translated where it is shown (`said`)."""
    return message


ACTION_NAMES: dict[str, str] = {
    "export": _("Exported a form's answers (command line)"),
    "http-export": _("Exported a form's answers with an export token"),
    "subject-find": _("Looked for a person's data (request from the person)"),
    "subject-export": _("Exported a person's data (request from the person)"),
    "subject-delete": _("Deleted a person's data (request from the person)"),
    "purge": _("Deleted submissions past their keeping period"),
    "token-create": _("Created an export token"),
    "token-revoke": _("Revoked an export token"),
    "keys-rotate": _("Changed the encryption keys"),
    "status-lookup": _("Looked up a request on “Where is my request?”"),
    "documents-added": _("Added documents to a request on “Where is my request?”"),
    "staff-sign-in": _("Signed in"),
    "staff-sign-in-failure": _("Sign-in refused"),
    "staff-lock": _("Account made to wait after failed sign-ins"),
    "staff-sign-out": _("Signed out"),
    "staff-session-expired": _("Session ended by time"),
    "staff-setup": _("Set up the account"),
    "staff-setup-problem": _("Account setup not accepted"),
    "staff-setup-refused": _("Setup link refused"),
    "staff-recovery-code-used": _("Used a recovery code"),
    "staff-account-add": _("Added an account"),
    "staff-account-disable": _("Disabled an account"),
    "staff-account-reset": _("Reset an account"),
    "staff-language": _("Changed the workspace language"),
    "staff-refused": _("Refused a page the account may not see"),
    "staff-csrf-refused": _("Refused a form sent without its security token"),
    "notify-retry": _("Sent a failed message again"),
    "webhook-read": _("Read a submission for a webhook"),
    "notify-digest": _("Sent the daily digest"),
    "staff-notify-choice": _("Changed alert and digest choices"),
    "staff-view": _("Opened a submission"),
    "staff-print": _("Printed a submission"),
    "staff-print-committee": _("Printed a submission for the committee (with its notes)"),
    "file-download": _("Downloaded a submission's file"),
    "file-thumbnail": _("Saw the thumbnail of a submission's image"),
    "staff-search": _("Searched for a person"),
    "staff-spam-release": _("Released a submission held as spam"),
    "staff-spam-delete": _("Deleted a submission held as spam"),
    "staff-export": _("Exported answers from the workspace"),
    "staff-export-notes": _("Exported the case notes with the answers"),
    "staff-report-download": _("Downloaded a report table"),
    "staff-report-comments": _("Read a report's comments"),
    "staff-case-move": _("Moved a case to another step"),
    "staff-case-assign": _("Assigned a case"),
    "staff-case-note": _("Added an internal note to a case"),
    "staff-case-enter": _("Entered a request received another way"),
    "staff-case-reopen": _("Reopened a closed case"),
    "staff-case-due": _("Extended a case's due date"),
    "staff-case-priority": _("Changed a case's priority"),
    "staff-case-correct": _("Corrected an answer of a case"),
    "staff-case-call": _("Logged a call with an applicant"),
    "staff-case-reply": _("Sent a reply to an applicant"),
    "staff-password-change": _("Changed their password"),
    "staff-password-refused": _("Password change refused (wrong current password)"),
    "staff-recovery-codes-new": _("Made new recovery codes"),
    "staff-session-end": _("Ended a session"),
    "staff-account-edit": _("Changed an account's name, role or forms"),
    "staff-account-enable": _("Enabled an account again"),
    "content-save": _("Saved the site's content (content editor)"),
    "content-restore": _("Restored an earlier version of the site's content"),
    "content-accept": _("Marked a translation as still right (content editor)"),
    "content-preview": _("Built a preview of the site"),
    "content-publish": _("Published the site"),
}

#: Actors that are not staff accounts (and the OS user of a command: `command_line`).
ACTORS: dict[str, str] = {
    "status-page": _("The public (“Where is my request?”)"),
    "unknown": _("Someone not signed in"),
    "webhooks": _("The notification sender"),
}

#: The keys of `key=value` details, and the values said in words.
DETAIL_KEYS: dict[str, str] = {
    "client": _("Connection address"),
    "reference": _("Reference"),
    "due": _("New due date"),
    "result": _("Result"),
    "failures": _("Failures in a row"),
    "sessions_ended": _("Sessions ended"),
    "role": _("Role"),
    "name": _("Name"),
    "message": _("Message"),
    "webhook": _("Webhook"),
    "from": _("From"),
    "to": _("To"),
    "found": _("Found"),
    "alerts": _("Alerts"),
    "digest": _("Daily digest"),
    "files": _("Files"),
}
DETAIL_VALUES: dict[str, str] = {
    "found": _("found"),
    "not-found": _("not found"),
    "refused": _("refused, over the limit"),
    "malformed": _("not a reference"),
    "expired": _("refused: the upload form had expired or did not fit the request"),
    "on": _("on"),
    "off": _("off"),
}
#: Whole phrases the code writes (accounts.py, sign_in.py), said in words.
PHRASES: dict[str, str] = {
    "no such account": _("no such account"),
    "account not usable": _("the account is disabled or not set up"),
    "account waiting after failures": _("the account is waiting after failed sign-ins"),
    "client over the sign-in limit": _("this address is over the sign-in limit"),
    "wrong password": _("wrong password"),
    "wrong code": _("wrong code"),
    "link unknown": _("unknown link"),
    "link used": _("link already used"),
    "link expired": _("link expired"),
    "after setup": _("after setting up the account"),
    "recovery code": _("with a recovery code"),
    "code": _("with a code"),
    "password set, second factor enrolled, recovery codes made":
        _("password set, second factor enrolled, recovery codes made"),
    "password-mismatch": _("the two passwords differ"),
    "expired-idle": _("unused for too long"),
    "expired-absolute": _("open for too long"),
    "reference": _("by reference"),
    "identifier": _("by national ID, mobile or e-mail"),
    "name": _("by name"),
}
#: Actions whose detail starts with the submission's reference.
REFERENCE_FIRST = ("staff-view", "staff-print", "staff-spam-release", "staff-spam-delete", "staff-case-move",
                   "staff-case-assign", "staff-case-note", "staff-case-enter", "staff-print-committee",
                   "staff-case-reopen", "staff-case-due", "staff-case-priority", "staff-case-correct",
                   "staff-case-call", "staff-case-reply", "file-download", "file-thumbnail")

_PAIR = re.compile(r"(\w+)=(\S*)")


@dataclass(frozen=True)
class Part:
    """A piece of a detail: a label (or none) and a value, the value linked to a submission
    when `reference` is set (and the reader may see it: the caller decides)."""

    label: str
    value: str
    reference: str = ""


def said(message: str, lang: str) -> str:
    return i18n.gettext(lang, message)


def action_name(action: str, lang: str) -> str:
    return said(ACTION_NAMES[action], lang) if action in ACTION_NAMES else action


def actor_name(actor: str, lang: str, names: dict[str, str]) -> str:
    """A staff account by its name (`names`: e-mail -> name), the others in words."""
    if actor in names:
        return names[actor]
    if actor in ACTORS:
        return said(ACTORS[actor], lang)
    if actor.startswith("token:"):
        return i18n.gettext(lang, "Export token %(name)s", name=actor[6:])
    if "@" in actor:  # an account since deleted, or a --staff name given to a command
        return actor
    return i18n.gettext(lang, "Command line (user %(user)s)", user=actor)


def detail_parts(action: str, detail: str, lang: str, when: Callable[[dt.datetime], str]) -> list[Part]:
    """The detail in words: each `key=value` labelled, known phrases translated, a time (`when`: local,
    with the Hijri date) in words, the rest as written."""
    parts: list[Part] = []
    text = detail.strip()
    if action == "staff-language" and text in i18n.LANGUAGE_CODES:
        return [Part("", i18n.language(text).name)]
    if action in REFERENCE_FIRST and text:
        first, _sep, text = text.partition(" ")
        parts.append(Part(said(DETAIL_KEYS["reference"], lang), first, reference=first))
    for key, value in _PAIR.findall(text):
        label = said(DETAIL_KEYS[key], lang) if key in DETAIL_KEYS else key
        if key == "reference" and value != "malformed":
            parts.append(Part(label, value, reference=value))
        else:
            parts.append(Part(label, said(DETAIL_VALUES[value], lang) if value in DETAIL_VALUES else value))
    rest = " ".join(_PAIR.sub("", text).split())
    if rest:
        phrase = rest if rest in PHRASES else None
        if rest.startswith("waits until "):  # staff-lock
            try:
                until = dt.datetime.fromisoformat(rest.removeprefix("waits until "))
            except ValueError:
                until = None
            if until is not None:
                parts.insert(0, Part("", i18n.gettext(lang, "waits until %(time)s", time=when(until))))
                return parts
        if phrase is None and action == "staff-setup-problem":  # problem codes, space separated
            words = [said(PHRASES[w], lang) if w in PHRASES else w for w in rest.split()]
            parts.insert(0, Part("", ", ".join(words)))
        else:
            parts.insert(0, Part("", said(PHRASES[phrase], lang) if phrase else rest))
    return parts
