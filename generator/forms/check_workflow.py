"""Is a form's `workflow:` block right? (and its `response_days`)

    workflow:
      states:
        - id: received
          name: {ar: ..., en: ...}        # for staff
          public: {ar: ..., en: ...}      # for applicants
          next: [under-study]
        - id: declined
          ...
          needs: reason                   # or: note
          decision: true
          closed: true
          notify_applicant: true
        - id: waiting-for-applicant
          ...
          pauses_clock: true            # the due date's clock stops while the case waits here
          documents_to: under-study     # documents from the status page move it on (else it stays)
      reopen_to: under-study            # an admin may reopen a closed case into it
      reopen_notify: false              # and the applicant is told only when true
      reasons:
        - id: not-eligible
          name: {ar: ..., en: ...}
          public: {ar: ..., en: ...}

The first state is where every submission starts. Codes: unknown-state (a
`next` naming no state), unreachable-state (no path from the first state
leads to it), no-closed-state, missing-reasons (`needs: reason` without a
list of reasons), duplicate-state, reopen-closed-state (`reopen_to` naming a
closed state), and the shared missing-translation,
unknown-key, missing-key and invalid-value.
"""
from __future__ import annotations

from typing import Any

from generator.core.problems import N_, Phrase, Term, closest
from generator.core.yamlsource import LineDict, LineList

from .checker import KEBAB_RE, Checker, Where
from .workflow import NEEDS, Reason, State, Workflow

WORKFLOW_KEYS = ("states", "reasons", "reopen_to", "reopen_notify")
STATE_KEYS = ("id", "name", "public", "next", "closed", "decision", "needs", "notify_applicant", "pauses_clock",
              "documents_to")
STATE_FLAGS = ("closed", "decision", "notify_applicant", "pauses_clock")
REASON_KEYS = ("id", "name", "public")


def check_workflow(c: Checker, data: LineDict) -> Workflow | None:
    """The form's workflow, None when it has none or when it is wrong (problems reported)."""
    if "workflow" not in data:
        return None
    raw = c.mapping(data.get("workflow"), data.line_of("workflow"), Term(N_('The form\'s "workflow"')))
    if raw is None:
        return None
    errors = c.errors
    c.unknown_keys(raw, WORKFLOW_KEYS, Term(N_('The "workflow"')))
    if not c.missing_keys(raw, ("states",), Term(N_('The "workflow"'))):
        return None
    reasons = _reasons(c, raw)
    states = _states(c, raw)
    if c.errors > errors or not states:
        return None
    line = raw.line_of("states")
    by_id = {state.id: state for state, _ in states}
    next_lines = {item.get("id"): item.line_of("next") for item in raw.get("states") if isinstance(item, LineDict)}
    documents_lines = {item.get("id"): item.line_of("documents_to") for item in raw.get("states")
                       if isinstance(item, LineDict)}
    for state, state_line in states:
        for target in state.next:
            if target not in by_id:
                c.error(next_lines[state.id], "unknown-state",
                        N_('The state "%(id)s" may move on to "%(target)s", but the workflow has no state with '
                           "that id.%(suggestion)s The states are: %(items)s."),
                        id=state.id, target=target, items=', '.join(by_id), suggest=closest(target, list(by_id)))
        target_state = by_id.get(state.documents_to or "")
        if target_state is not None and target_state.needs:
            c.error(documents_lines[state.id], "invalid-value",
                    N_('The state "%(id)s" moves a case to "%(target)s" when the applicant adds documents, but '
                       '"%(target)s" needs a reason or a note that nobody types then: name another state in '
                       '"documents_to".'), id=state.id, target=target_state.id)
        if state.needs == "reason" and not reasons:
            c.error(state_line, "missing-reasons",
                    N_('The state "%(id)s" needs a reason, but the workflow has no "reasons:" list. Add one, each '
                       "reason with an id, a name and a public wording in Arabic and English."), id=state.id)
    if c.errors > errors:
        return None
    reached = _reachable(states[0][0].id, by_id)
    for state, state_line in states:
        if state.id not in reached:
            c.error(state_line, "unreachable-state",
                    N_('No path from the first state "%(id)s" leads to the state "%(id2)s": add "%(id2)s" to the '
                       '"next:" list of the state before it, or remove it.'), id=states[0][0].id, id2=state.id)
    if not any(state.closed for state, _ in states):
        c.error(line, "no-closed-state",
                N_('No state of the workflow is closed, so no case could ever end: add "closed: true" to the final '
                   "state(s)."))
    reopen_to, reopen_notify = _reopen(c, raw, by_id)
    if c.errors > errors:
        return None
    return Workflow(states=tuple(state for state, _ in states), reasons=tuple(reasons), reopen_to=reopen_to,
                    reopen_notify=reopen_notify)


def _reopen(c: Checker, raw: LineDict, by_id: dict[str, State]) -> tuple[str | None, bool]:
    """`reopen_to:` (an open state of the workflow) and `reopen_notify:` (true or false)."""
    notify = raw.get("reopen_notify", False)
    if not isinstance(notify, bool):
        c.error(raw.line_of("reopen_notify"), "invalid-value",
                N_('"reopen_notify" must be true or false, not "%(value)s".'), value=notify)
    if "reopen_to" not in raw:
        if notify is True:
            c.error(raw.line_of("reopen_notify"), "invalid-value",
                    N_('"reopen_notify" is set but no "reopen_to:" names the state a case is reopened into.'))
        return None, False
    target = raw.get("reopen_to")
    line = raw.line_of("reopen_to")
    if not isinstance(target, str) or target not in by_id:
        c.error(line, "unknown-state",
                N_('"reopen_to" names "%(target)s", but the workflow has no state with that id.%(suggestion)s '
                   "The states are: %(items)s."),
                target=target, items=", ".join(by_id), suggest=closest(str(target), list(by_id)))
        return None, False
    if by_id[target].closed:
        c.error(line, "reopen-closed-state",
                N_('"reopen_to" names the state "%(target)s", which is closed: a reopened case must be open. '
                   "Name an open state, such as the one after the first."), target=target)
        return None, False
    return target, notify is True


def check_response_days(c: Checker, data: LineDict) -> int | None:
    if "response_days" not in data:
        return None
    return c.whole_number(data, "response_days", '"response_days"', minimum=1)


def _states(c: Checker, raw: LineDict) -> list[tuple[State, int]]:
    items = raw.get("states")
    if not isinstance(items, LineList) or not items:
        c.error(raw.line_of("states"), "invalid-value",
                N_('"states" must be a list of states, each starting with "- id: ...".'))
        return []
    states: list[tuple[State, int]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        if c.mapping(item, line, Term(N_("Each state"))) is None:
            continue
        state = _state(c, item, line)
        if state is None:
            continue
        if state.id in seen:
            c.error(line, "duplicate-state", N_('The state "%(id)s" is written twice (first on line %(seen)s): '
                                                "give each state its own id."), id=state.id, seen=seen[state.id])
            continue
        seen[state.id] = line
        states.append((state, line))
    return states


def _state(c: Checker, item: LineDict, line: int) -> State | None:
    errors = c.errors
    c.unknown_keys(item, STATE_KEYS, Term(N_("A state")))
    if not c.missing_keys(item, ("id", "name", "public"), Term(N_("A state"))):
        return None
    state_id = _identifier(c, item, Term(N_("A state")))
    where = Phrase(N_('The state "%(state_id)s"'), state_id=state_id)
    name = c.text(item, "name", f"{where}'s name")
    public = c.text(item, "public", f"{where}'s public wording")
    next_ids = _id_list(c, item, "next", where)
    flags = {}
    for flag in STATE_FLAGS:
        value = item.get(flag, False)
        if not isinstance(value, bool):
            c.error(item.line_of(flag), "invalid-value", N_('%(where)s: "%(flag)s" must be true or false.'),
                    where=where, flag=flag)
        flags[flag] = bool(value)
    needs = item.get("needs")
    if needs is not None and needs not in NEEDS:
        c.error(item.line_of("needs"), "invalid-value",
                N_('%(where)s: "needs" must be "reason" or "note", not "%(needs)s".'), where=where, needs=needs)
    if flags["closed"] and next_ids:
        c.error(item.line_of("next"), "invalid-value",
                N_('%(where)s is closed, so no state can follow it: remove its "next:" list, or "closed: true".'),
                where=where)
    if flags["closed"] and flags["pauses_clock"]:
        c.error(item.line_of("pauses_clock"), "invalid-value",
                N_('%(where)s is closed, so it has no due date to pause: remove "pauses_clock: true".'), where=where)
    documents_to = item.get("documents_to")
    if documents_to is not None and (not isinstance(documents_to, str) or documents_to not in next_ids):
        c.error(item.line_of("documents_to"), "unknown-state",
                N_('%(where)s: "documents_to" names the state a case moves to when the applicant adds documents: '
                   'one of its "next:" states, not "%(value)s".'), where=where, value=documents_to)
    elif documents_to is not None and not flags["pauses_clock"]:
        c.error(item.line_of("documents_to"), "invalid-value",
                N_('%(where)s: the applicant adds documents only while a case waits for them: add '
                   '"pauses_clock: true" to this state, or remove "documents_to".'), where=where)
    if not flags["closed"] and not next_ids:
        c.error(item.line, "invalid-value",
                N_('%(where)s is open but no state can follow it: add "next: [...]" or "closed: true".'),
                where=where)
    if c.errors > errors or name is None or public is None or state_id is None:
        return None
    return State(id=state_id, name=name, public=public, next=tuple(next_ids), needs=needs,
                 documents_to=documents_to if isinstance(documents_to, str) else None, **flags)


def _reasons(c: Checker, raw: LineDict) -> list[Reason]:
    if "reasons" not in raw:
        return []
    items = raw.get("reasons")
    if not isinstance(items, LineList) or not items:
        c.error(raw.line_of("reasons"), "invalid-value",
                N_('"reasons" must be a list, each reason starting with "- id: ...".'))
        return []
    reasons = []
    for index, item in enumerate(items):
        if c.mapping(item, items.line_of(index), Term(N_("Each reason"))) is None:
            continue
        c.unknown_keys(item, REASON_KEYS, Term(N_("A reason")))
        if not c.missing_keys(item, REASON_KEYS, Term(N_("A reason"))):
            continue
        reason_id = _identifier(c, item, Term(N_("A reason")))
        name = c.text(item, "name", Phrase(N_('The reason "%(reason_id)s"\'s name'), reason_id=reason_id))
        public = c.text(item, "public", Phrase(N_('The reason "%(reason_id)s"\'s public wording'), reason_id=reason_id))
        if reason_id and name and public:
            reasons.append(Reason(id=reason_id, name=name, public=public))
    return reasons


def _identifier(c: Checker, item: LineDict, what: Where) -> str | None:
    value = item.get("id")
    if isinstance(value, str) and KEBAB_RE.match(value):
        return value
    c.error(item.line_of("id"), "invalid-value",
            N_("%(what)s's id must be lower-case Latin letters, digits and hyphens (such as \"under-study\"); found "
               "%(value)s."), what=what, value=repr(value))
    return None


def _id_list(c: Checker, item: LineDict, key: str, where: Where) -> list[str]:
    value: Any = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.error(item.line_of(key), "invalid-value",
                N_('%(where)s: "%(key)s" must be a list of state ids, such as "%(key)s: [under-study, closed]".'),
                where=where, key=key)
        return []
    return list(value)


def _reachable(start: str, by_id: dict[str, State]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in by_id[todo.pop()].next:
            if target in by_id and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen
