"""Checking a form file's `notify:` block: who is told by e-mail of a submission.

    notify:
      staff: [requests@qalb.example]   # shared mailboxes, told of every submission
      staff_language: ar              # ar or en (default ar)
      applicant: true                 # a confirmation to the e-mail the person gave
      webhooks:                       # signed JSON posts to other systems (docs/webhooks.md)
        - name: sms-gateway           # the secret: QALB_WEBHOOK_SMS_GATEWAY_SECRET_FILE
          url: https://sms.example/qalb
          events: [submitted, state_changed]   # and/or reply_sms: replies from the case page by SMS
          include_contact: true       # the person's mobile number and e-mail address
          include_answers: false      # every answer (https only)

No e-mail ever carries an answer; the staff accounts with alerts on are told
as well, whatever the file says (generator/submissions/notices.py).
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from generator.core.problems import N_, Term
from generator.core.yamlsource import LineDict, LineList

from .checker import Checker
from .model import LANGS, SMS_EVENT, WEBHOOK_EVENTS, FormField, Notify, Webhook

NOTIFY_KEYS = ("staff", "staff_language", "applicant", "webhooks")
WEBHOOK_KEYS = ("name", "url", "events", "include_contact", "include_answers")
WEBHOOK_NAME_RE = re.compile(r"[a-z][a-z0-9-]{0,39}\Z")
#: Plain http only to this machine (a gateway beside the service); anything else is https.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: What a mailbox address looks like: one @, no spaces or brackets, a dot in the domain.
ADDRESS_RE = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+\Z")


def check_notify(c: Checker, data: LineDict, fields: list[FormField]) -> Notify:
    if "notify" not in data:
        return Notify()
    block = c.mapping(data["notify"], data.line_of("notify"), Term(N_('The "notify" block')))
    if block is None:
        return Notify()
    c.unknown_keys(block, NOTIFY_KEYS, Term(N_('The "notify" block')))
    return Notify(staff=_staff(c, block), staff_language=_language(c, block),
                  applicant=_applicant(c, block, fields), webhooks=_webhooks(c, block))


def _staff(c: Checker, block: LineDict) -> tuple[str, ...]:
    if "staff" not in block:
        return ()
    value: Any = block["staff"]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.error(block.line_of("staff"), "invalid-value",
                N_('"staff" lists the mailboxes to tell, such as "staff: [requests@qalb.example]".'))
        return ()
    addresses = []
    for index, address in enumerate(value):
        line = value.line_of(index) if isinstance(value, LineList) else block.line_of("staff")
        if not isinstance(address, str) or not ADDRESS_RE.match(address.strip()):
            c.error(line, "invalid-email",
                    N_('"%(address)s" is not an e-mail address: write one address per item, such as '
                       '"requests@qalb.example", without a name or brackets.'), address=address)
            continue
        addresses.append(address.strip())
    return tuple(addresses)


def _language(c: Checker, block: LineDict) -> str:
    language = block.get("staff_language", LANGS[0])
    if language not in LANGS:
        c.error(block.line_of("staff_language"), "invalid-value",
                N_('"staff_language" is the language of the staff messages: %(items)s; found %(language)s.'),
                items=' or '.join(LANGS), language=repr(language))
        return LANGS[0]
    return str(language)


def _applicant(c: Checker, block: LineDict, fields: list[FormField]) -> bool:
    value = block.get("applicant", False)
    if not isinstance(value, bool):
        c.error(block.line_of("applicant"), "invalid-value",
                N_('"applicant" is true (send the person a confirmation) or false; found %(value)s.'),
                value=repr(value))
        return False
    if value and fields and not any(f.is_email for f in fields):
        c.error(block.line_of("applicant"), "missing-email-field",
                N_('"applicant: true" sends the confirmation to the e-mail address the person gives, but this form '
                   'asks for none: add a field with "format: email", or remove "applicant: true".'))
        return False
    return value


def is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS


def _webhooks(c: Checker, block: LineDict) -> tuple[Webhook, ...]:
    if "webhooks" not in block:
        return ()
    value = block["webhooks"]
    if not isinstance(value, LineList):
        c.error(block.line_of("webhooks"), "invalid-webhook",
                N_('"webhooks" is a list: each item starts with "- name: ..." and has a "url".'))
        return ()
    hooks: list[Webhook] = []
    names: set[str] = set()
    for index, item in enumerate(value):
        line = value.line_of(index)
        hook = c.mapping(item, line, Term(N_("A webhook")))
        if hook is None:
            continue
        c.unknown_keys(hook, WEBHOOK_KEYS, Term(N_("A webhook")))
        if not c.missing_keys(hook, ("name", "url"), Term(N_("A webhook"))):
            continue
        found = _webhook(c, hook, names, next((h.name for h in hooks if h.sms), None))
        if found is not None:
            names.add(found.name)
            hooks.append(found)
    return tuple(hooks)


def _webhook(c: Checker, hook: LineDict, names: set[str], sms: str | None) -> Webhook | None:
    errors = c.errors
    name, url = hook["name"], hook["url"]
    if not isinstance(name, str) or not WEBHOOK_NAME_RE.match(name):
        c.error(hook.line_of("name"), "invalid-webhook",
                N_("The webhook name %(name)s must be lower-case letters, digits and hyphens, starting with a "
                   'letter, such as "sms-gateway": it names the variable of its secret file.'), name=repr(name))
    elif name in names:
        c.error(hook.line_of("name"), "invalid-webhook",
                N_('Two webhooks are named "%(name)s": give each its own name.'), name=name)
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.hostname or not (parts.scheme == "https" or is_loopback_http(url)):
        c.error(hook.line_of("url"), "invalid-webhook",
                N_('The webhook URL %(url)s must start with "https://" and name a host (plain "http://" only for a '
                   'receiver on this machine, "http://127.0.0.1:PORT/...").'), url=repr(url))
    events: Any = hook.get("events", list(WEBHOOK_EVENTS))
    if isinstance(events, str):
        events = [events]
    if not isinstance(events, list) or not events or any(e not in (*WEBHOOK_EVENTS, SMS_EVENT) for e in events):
        c.error(hook.line_of("events") if "events" in hook else hook.line, "invalid-webhook",
                N_('"events" lists what the webhook is told of: %(items)s; found %(events)s.'),
                items=', '.join((*WEBHOOK_EVENTS, SMS_EVENT)), events=repr(events))
    elif SMS_EVENT in events and sms is not None:
        c.error(hook.line_of("events"), "invalid-webhook",
                N_('Two webhooks send replies by SMS ("%(first)s" and "%(name)s"): list "reply_sms" in one only.'),
                first=sms, name=name)
    flags = {}
    for key in ("include_contact", "include_answers"):
        flag = hook.get(key, False)
        if not isinstance(flag, bool):
            c.error(hook.line_of(key), "invalid-value", N_('"%(key)s" is true or false; found %(flag)s.'),
                    key=key, flag=repr(flag))
        flags[key] = flag is True
    if c.errors > errors:
        return None
    if flags["include_answers"] and is_loopback_http(url):
        c.warning(hook.line_of("include_answers"), "insecure-webhook",
                  N_('"include_answers: true" with a plain http URL: answers go over https only, so the webhook '
                     '"%(name)s" gets none. Use an https URL.'), name=name)
    return Webhook(name=name, url=url, events=tuple(dict.fromkeys(events)), **flags)
