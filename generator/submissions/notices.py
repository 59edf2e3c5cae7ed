"""Which notifications a submission causes (e-mails, webhook posts): planning only, no sending.

Whoever opens the store gives it an `OutboxPlanner` (`OutboxPlanner.if_needed`:
when notifications are on) and it keeps it (`store.outbox_planner`); the store
then writes the planned messages to the outbox table in the submission's own
transaction (db/outbox.py), and a sender (generator/notify/) delivers them.
Without a planner nothing is queued.

A submission causes:

* a **staff alert** to every staff account that may see the form and has
  alerts on (each in the account's language; `Store.alert_accounts`, the one
  query for them) and to each shared mailbox of the form file's `notify.staff`
  (in `notify.staff_language`), each address once;
* an **applicant confirmation**, in the language the person used, when the
  form file says `notify: {applicant: true}` and the person gave an e-mail
  address (a `format: email` field).

* a **webhook delivery** to each webhook of the form file's `notify.webhooks`
  told of `submitted` (without e-mail settings too: a charity may have only an
  SMS gateway).

A submission kept apart as suspected spam causes none: a bot that fills the
honeypot must not be able to make us send mail. A change of a case's state
causes a message to the applicant from that state's template
(`state_change_messages`, queued by cases.move with the change), and a delivery to each
webhook told of `state_changed` (`webhooks`, written with the change by
cases.move). A plan holds addresses, kinds, languages and state ids, never an
answer: a webhook that carries answers reads them when it is sent.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .db.outbox import PlannedMessage
from .records import Submission, utc_now

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class StateNotice:
    """What the applicant is told when their case enters a state marked
    `notify_applicant` in the form's workflow: the state's id and its
    template, subject and body in both languages (words from the form file)."""

    state: str
    subject: Mapping[str, str]
    body: Mapping[str, str]

    def detail(self) -> str:
        return json.dumps({"state": self.state, "subject": dict(self.subject), "body": dict(self.body)},
                          ensure_ascii=False, sort_keys=True)


def applicant_address(form: Any, answers: Mapping[str, Any]) -> str | None:
    """The first e-mail address the person gave (fields with `format: email`), or None."""
    for field in form.fields:
        value = answers.get(field.name)
        if field.is_email and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def applicant_mobile(form: Any, answers: Mapping[str, Any]) -> str | None:
    """The first phone number the person gave (a `tel` field), or None: where a reply by
    SMS goes, and a webhook's contact."""
    for field in form.fields:
        value = answers.get(field.name)
        if field.effective_inputmode == "tel" and isinstance(value, str) and value.strip():
            return value.strip()
    return None


def webhook_detail(webhook: str, event: str, state: str | None) -> str:
    return json.dumps({"webhook": webhook, "event": event, "state": state}, sort_keys=True)


class OutboxPlanner:
    def __init__(self, forms: Mapping[str, Any], *, email: bool = True) -> None:
        """`email`: e-mail settings are there (QALB_SMTP_URL); without them only webhooks are planned."""
        self.forms = dict(forms)
        self.email = email

    @staticmethod
    def needed(forms: Mapping[str, Any], *, email: bool) -> bool:
        """Whether anything can be planned: e-mail is on or some form has webhooks."""
        return email or any(form.notify.webhooks for form in forms.values())

    @classmethod
    def if_needed(cls, forms: Mapping[str, Any], *, email: bool) -> OutboxPlanner | None:
        """The planner to open a store with: None when nothing can be planned."""
        return cls(forms, email=email) if cls.needed(forms, email=email) else None

    def webhooks(self, form: Any, event: str, language: str, state: str | None) -> list[PlannedMessage]:
        """One delivery per webhook of the form told of `event`."""
        return [PlannedMessage("webhook", "", language, webhook_detail(hook.name, event, state))
                for hook in form.notify.webhooks if event in hook.events]

    def plan(self, sub: Submission, accounts: Sequence[tuple[str, str]]) -> list[PlannedMessage]:
        """The messages one stored submission causes; `accounts` are the (address,
        language) pairs of the staff accounts with alerts on for its form."""
        form = self.forms.get(sub.form_id)
        if form is None or sub.status != "accepted":
            return []
        state = form.workflow.initial.id if form.workflow is not None else None
        planned = self.webhooks(form, "submitted", sub.language, state)
        if not self.email:
            return planned
        seen: set[str] = set()
        staff = [*accounts, *((address, form.notify.staff_language) for address in form.notify.staff)]
        for address, language in staff:
            if address.lower() not in seen:
                seen.add(address.lower())
                planned.append(PlannedMessage("staff-alert", address, language))
        if form.notify.applicant and (address := applicant_address(form, sub.answers)):
            planned.append(PlannedMessage("applicant-confirmation", address, sub.language))
        return planned

    def state_change(self, form: Any, answers: Mapping[str, Any], notice: StateNotice,
                     language: str) -> list[PlannedMessage]:
        address = applicant_address(form, answers) if self.email and form.notify.applicant else None
        if address is None:
            return []
        return [PlannedMessage("state-change", address, language, notice.detail())]


def check_wired(store: Store, forms: Mapping[str, Any], *, email: bool) -> None:
    """A store handed to an app that causes messages must have been opened with a planner
    (its opener decides: endpoint/commands.py, staff/commands.py); otherwise every message
    the app causes would be lost without a word."""
    if store.outbox_planner is None and OutboxPlanner.needed(forms, email=email):
        raise ValueError("the store was opened without an outbox planner, but these forms and settings cause "
                         "messages: open it with planner=OutboxPlanner.if_needed(forms, email=...)")


def state_change_messages(store: Store, form: Any, sub: Submission, notice: StateNotice,
                          language: str | None = None) -> list[PlannedMessage]:
    """The messages a case entering the state of `notice` causes (none when notifications
    are off, the form sends applicants nothing or the person gave no e-mail address),
    for the move to queue in its own transaction (cases.move's `messages`)."""
    if store.outbox_planner is None:
        return []
    return list(store.outbox_planner.state_change(form, sub.answers, notice, language or sub.language))


def queue_state_change(store: Store, form: Any, reference: str, notice: StateNotice, language: str | None = None,
                       *, now: dt.datetime | None = None) -> int:
    """Queue the message for a case that entered the state of `notice`, in a transaction
    of its own (a move queues it in the move's: state_change_messages and cases.move's
    `messages`; this is for a message outside a move, and for tests), in `language`
    (default: the language the person wrote in). Returns how many messages were queued:
    0 when notifications are off, the form sends applicants nothing, the submission is
    gone or the person gave no e-mail address."""
    if store.outbox_planner is None:
        return 0
    sub = next(store.submissions(form.id, status=None, reference=reference), None)
    if sub is None:
        return 0
    planned = state_change_messages(store, form, sub, notice, language)
    return int(store.queue_messages(reference, planned, now or utc_now()))
