"""A form's case workflow: the states a submission moves through after it arrives.

Declared in the form file under `workflow:` (checked by check_workflow.py):
each state has a name for staff and a public wording for applicants in both
languages, says whether it is closed (nothing more to do) and which states may
follow it, and whether entering it needs a reason (from the form's list of
reasons) or a note. `response_days` beside it is the internal target for an
answer; public pages never show a due date (the policy says "about two weeks").
`pauses_clock: true` on a state stops the due date's clock while the case is in
it (waiting for the applicant), and `documents_to:` on such a state names where the case
moves when the applicant adds documents from the status page (else it stays); `reopen_to:` names the state an admin may
reopen a closed case into, and `reopen_notify: true` tells the applicant so.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Text = Mapping[str, str]  # {"ar": ..., "en": ...}

#: What entering a state may require: a reason from the form's list, or a note.
NEEDS = ("reason", "note")


@dataclass(frozen=True)
class State:
    id: str
    name: Text  # for staff
    public: Text  # for applicants (the status page, messages)
    next: tuple[str, ...] = ()
    closed: bool = False
    #: A decision of the case (accepted, declined): response times are measured to it.
    decision: bool = False
    needs: str | None = None  # "reason" | "note" | None
    #: Tell the applicant (by e-mail, where they gave one) when the case enters this state.
    notify_applicant: bool = False
    #: The case waits for the applicant here: its due date moves on by the days it waited.
    pauses_clock: bool = False
    #: Where the case moves when the applicant adds documents from the status page while it
    #: waits here (None: it stays, its clock running again).
    documents_to: str | None = None


@dataclass(frozen=True)
class Reason:
    id: str
    name: Text  # for staff
    public: Text  # for applicants


@dataclass(frozen=True)
class Workflow:
    states: tuple[State, ...]  # the first is where every submission starts
    reasons: tuple[Reason, ...] = ()
    #: The state an admin may reopen a closed case into (None: closed cases stay closed).
    reopen_to: str | None = None
    #: Whether reopening tells the applicant (the reopened state's public wording).
    reopen_notify: bool = False

    @property
    def initial(self) -> State:
        return self.states[0]

    def state(self, state_id: str) -> State:
        for state in self.states:
            if state.id == state_id:
                return state
        raise KeyError(f"no state {state_id!r}; the states are {[s.id for s in self.states]}")

    def reason(self, reason_id: str) -> Reason:
        for reason in self.reasons:
            if reason.id == reason_id:
                return reason
        raise KeyError(f"no reason {reason_id!r}; the reasons are {[r.id for r in self.reasons]}")

    def can_move(self, from_id: str, to_id: str) -> bool:
        return to_id in self.state(from_id).next

    @property
    def open_states(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.states if not s.closed)
