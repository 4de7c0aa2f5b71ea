"""The review workflow of a call, as a pure state machine (no I/O).

States: ``new`` (analysed, nobody on it) → ``assigned`` (a supervisor gave it to a reviewer) →
``in_review`` (the reviewer opened it) → ``done`` (a scorecard was submitted). A done review can
be ``disputed`` (the score is challenged, with a note) and a supervisor resolves the dispute
(back to ``done``) or reopens the review (``in_review`` again; the earlier submission is kept in
the history, marked reopened).

The store applies transitions inside one transaction (:mod:`qa.store.reviews`); the web app asks
the same table which buttons to show, so a page never offers what the store would refuse.
"""

from __future__ import annotations

STATES = ("new", "assigned", "in_review", "done", "disputed")

#: action -> {from state: to state}
TRANSITIONS: dict[str, dict[str, str]] = {
    # (re)assigning is allowed until a score exists: a supervisor may move work between reviewers
    "assign": {"new": "assigned", "assigned": "assigned", "in_review": "assigned"},
    "start": {"assigned": "in_review"},
    "submit": {"in_review": "done"},
    "dispute": {"done": "disputed"},
    "resolve": {"disputed": "done"},
    "reopen": {"done": "in_review", "disputed": "in_review"},
}


class TransitionError(ValueError):
    """The action is not possible in the review's current state."""


def next_state(state: str, action: str) -> str:
    """The state after ``action`` in ``state``; raises :class:`TransitionError` when not allowed."""
    if action not in TRANSITIONS:
        raise TransitionError(f"unknown review action {action!r} (one of {', '.join(TRANSITIONS)})")
    try:
        return TRANSITIONS[action][state]
    except KeyError:
        raise TransitionError(f"cannot {action} a review that is {state}") from None


def allowed_actions(state: str) -> list[str]:
    """The actions possible in ``state``, in the table's order."""
    return [action for action, moves in TRANSITIONS.items() if state in moves]
