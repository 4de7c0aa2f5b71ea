"""Who may do what in the QA web app: roles, permissions and the call-access rule. Pure (no Flask).

- reviewer: redacted transcripts and redacted audio only, and only the calls assigned to them;
  scores those calls.
- supervisor: every call, unredacted (each look is audited), assigns calls, reopens scorecards,
  resolves disputes, closes follow-ups, saves searches, sees the dashboard.
- admin: what a supervisor may, plus accounts.

Views ask :func:`can` and :func:`can_open_call`; a refusal is a 403, never a redirect that leaks
whether the call exists.
"""

from __future__ import annotations

from qa.store.users import ROLES

PERMISSIONS: dict[str, frozenset[str]] = {
    "reviewer": frozenset({"review"}),
    "supervisor": frozenset({"review", "all_calls", "unredacted", "assign", "reopen", "resolve", "saved_searches",
                             "dashboard", "audit", "followups"}),
}
PERMISSIONS["admin"] = PERMISSIONS["supervisor"] | {"users"}
assert set(PERMISSIONS) == set(ROLES)


def can(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission`` (an unknown role has none)."""
    return permission in PERMISSIONS.get(role, frozenset())


def sees_unredacted(role: str) -> bool:
    return can(role, "unredacted")


def can_open_call(role: str, user_id: int, assignee_id: int | None) -> bool:
    """Supervisors open any call; a reviewer only the calls assigned to them."""
    return can(role, "all_calls") or (can(role, "review") and assignee_id is not None and assignee_id == user_id)


def can_score(role: str, user_id: int, assignee_id: int | None) -> bool:
    """The assigned reviewer scores a call; a supervisor may score any (e.g. one nobody took)."""
    return can(role, "all_calls") or (assignee_id is not None and assignee_id == user_id)


#: review action (qa.review.TRANSITIONS) -> the permission it needs (None: anyone who may open the call)
ACTION_PERMISSION: dict[str, str | None] = {"assign": "assign", "resolve": "resolve", "reopen": "reopen",
                                            "dispute": None}


def can_act(role: str, action: str) -> bool:
    """Whether ``role`` may take a review action from the call page (submit goes through
    :func:`can_score`; ``start`` happens when the assignee opens the call, never by request)."""
    if action not in ACTION_PERMISSION:
        return False
    needed = ACTION_PERMISSION[action]
    return needed is None or can(role, needed)
