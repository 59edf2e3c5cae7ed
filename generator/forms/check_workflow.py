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
      reasons:
        - id: not-eligible
          name: {ar: ..., en: ...}
          public: {ar: ..., en: ...}

The first state is where every submission starts. Codes: unknown-state (a
`next` naming no state), unreachable-state (no path from the first state
leads to it), no-closed-state, missing-reasons (`needs: reason` without a
list of reasons), duplicate-state, and the shared missing-translation,
unknown-key, missing-key and invalid-value.
"""
from __future__ import annotations

from typing import Any

from generator.core.problems import did_you_mean
from generator.core.yamlsource import LineDict, LineList

from .checker import KEBAB_RE, Checker
from .workflow import NEEDS, Reason, State, Workflow

WORKFLOW_KEYS = ("states", "reasons")
STATE_KEYS = ("id", "name", "public", "next", "closed", "decision", "needs", "notify_applicant")
STATE_FLAGS = ("closed", "decision", "notify_applicant")
REASON_KEYS = ("id", "name", "public")


def check_workflow(c: Checker, data: LineDict) -> Workflow | None:
    """The form's workflow, None when it has none or when it is wrong (problems reported)."""
    if "workflow" not in data:
        return None
    raw = c.mapping(data.get("workflow"), data.line_of("workflow"), 'The form\'s "workflow"')
    if raw is None:
        return None
    errors = c.errors
    c.unknown_keys(raw, WORKFLOW_KEYS, 'The "workflow"')
    if not c.missing_keys(raw, ("states",), 'The "workflow"'):
        return None
    reasons = _reasons(c, raw)
    states = _states(c, raw)
    if c.errors > errors or not states:
        return None
    line = raw.line_of("states")
    by_id = {state.id: state for state, _ in states}
    next_lines = {item.get("id"): item.line_of("next") for item in raw.get("states") if isinstance(item, LineDict)}
    for state, state_line in states:
        for target in state.next:
            if target not in by_id:
                c.error(next_lines[state.id], "unknown-state",
                        f'The state "{state.id}" may move on to "{target}", but the workflow has no state with that '
                        f'id.{did_you_mean(target, list(by_id))} The states are: {", ".join(by_id)}.')
        if state.needs == "reason" and not reasons:
            c.error(state_line, "missing-reasons",
                    f'The state "{state.id}" needs a reason, but the workflow has no "reasons:" list. Add one, each '
                    'reason with an id, a name and a public wording in Arabic and English.')
    if c.errors > errors:
        return None
    reached = _reachable(states[0][0].id, by_id)
    for state, state_line in states:
        if state.id not in reached:
            c.error(state_line, "unreachable-state",
                    f'No path from the first state "{states[0][0].id}" leads to the state "{state.id}": add '
                    f'"{state.id}" to the "next:" list of the state before it, or remove it.')
    if not any(state.closed for state, _ in states):
        c.error(line, "no-closed-state",
                'No state of the workflow is closed, so no case could ever end: add "closed: true" to the '
                "final state(s).")
    if c.errors > errors:
        return None
    return Workflow(states=tuple(state for state, _ in states), reasons=tuple(reasons))


def check_response_days(c: Checker, data: LineDict) -> int | None:
    if "response_days" not in data:
        return None
    return c.whole_number(data, "response_days", '"response_days"', minimum=1)


def _states(c: Checker, raw: LineDict) -> list[tuple[State, int]]:
    items = raw.get("states")
    if not isinstance(items, LineList) or not items:
        c.error(raw.line_of("states"), "invalid-value",
                '"states" must be a list of states, each starting with "- id: ...".')
        return []
    states: list[tuple[State, int]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        if c.mapping(item, line, "Each state") is None:
            continue
        state = _state(c, item, line)
        if state is None:
            continue
        if state.id in seen:
            c.error(line, "duplicate-state", f'The state "{state.id}" is written twice (first on line '
                    f'{seen[state.id]}): give each state its own id.')
            continue
        seen[state.id] = line
        states.append((state, line))
    return states


def _state(c: Checker, item: LineDict, line: int) -> State | None:
    errors = c.errors
    c.unknown_keys(item, STATE_KEYS, "A state")
    if not c.missing_keys(item, ("id", "name", "public"), "A state"):
        return None
    state_id = _identifier(c, item, "A state")
    where = f'The state "{state_id}"'
    name = c.text(item, "name", f"{where}'s name")
    public = c.text(item, "public", f"{where}'s public wording")
    next_ids = _id_list(c, item, "next", where)
    flags = {}
    for flag in STATE_FLAGS:
        value = item.get(flag, False)
        if not isinstance(value, bool):
            c.error(item.line_of(flag), "invalid-value", f'{where}: "{flag}" must be true or false.')
        flags[flag] = bool(value)
    needs = item.get("needs")
    if needs is not None and needs not in NEEDS:
        c.error(item.line_of("needs"), "invalid-value",
                f'{where}: "needs" must be "reason" or "note", not "{needs}".')
    if flags["closed"] and next_ids:
        c.error(item.line_of("next"), "invalid-value",
                f'{where} is closed, so no state can follow it: remove its "next:" list, or "closed: true".')
    if not flags["closed"] and not next_ids:
        c.error(item.line, "invalid-value",
                f'{where} is open but no state can follow it: add "next: [...]" or "closed: true".')
    if c.errors > errors or name is None or public is None or state_id is None:
        return None
    return State(id=state_id, name=name, public=public, next=tuple(next_ids), needs=needs, **flags)


def _reasons(c: Checker, raw: LineDict) -> list[Reason]:
    if "reasons" not in raw:
        return []
    items = raw.get("reasons")
    if not isinstance(items, LineList) or not items:
        c.error(raw.line_of("reasons"), "invalid-value",
                '"reasons" must be a list, each reason starting with "- id: ...".')
        return []
    reasons = []
    for index, item in enumerate(items):
        if c.mapping(item, items.line_of(index), "Each reason") is None:
            continue
        c.unknown_keys(item, REASON_KEYS, "A reason")
        if not c.missing_keys(item, REASON_KEYS, "A reason"):
            continue
        reason_id = _identifier(c, item, "A reason")
        name = c.text(item, "name", f'The reason "{reason_id}"\'s name')
        public = c.text(item, "public", f'The reason "{reason_id}"\'s public wording')
        if reason_id and name and public:
            reasons.append(Reason(id=reason_id, name=name, public=public))
    return reasons


def _identifier(c: Checker, item: LineDict, what: str) -> str | None:
    value = item.get("id")
    if isinstance(value, str) and KEBAB_RE.match(value):
        return value
    c.error(item.line_of("id"), "invalid-value",
            f'{what}\'s id must be lower-case Latin letters, digits and hyphens (such as "under-study"); '
            f"found {value!r}.")
    return None


def _id_list(c: Checker, item: LineDict, key: str, where: str) -> list[str]:
    value: Any = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.error(item.line_of(key), "invalid-value",
                f'{where}: "{key}" must be a list of state ids, such as "{key}: [under-study, closed]".')
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
