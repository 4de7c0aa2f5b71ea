"""A loaded rules file: its categories, its version, and what it makes of a call.

:meth:`RuleSet.evaluate` turns a :class:`CallAnalysis` into a :class:`RulesOutcome`: every
category whose condition holds, with the places that made it hold, and the follow-ups the
call created. The outcome records :attr:`RuleSet.version`, so ``hotline qa rerun`` can tell
results of an older rules file from current ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from qa.analysis import CallAnalysis, CategoryResult, FollowUpSpec, Match, RulesOutcome
from qa.followups import parse_due
from qa.rules.conditions import Call, Condition, Said, walk
from qa.rules.phrases import PhraseList

#: follow-up kinds: a promise the agent made; the service-level deadline of a complaint
FOLLOWUP_KINDS = ("promise", "complaint_sla")


@dataclass(frozen=True)
class FollowUpRule:
    """What follow-up a category creates when it fires."""

    #: promise | complaint_sla
    kind: str
    #: promise: due this long after the words when they name no time; complaint_sla: the ordinary SLA
    due_s: int
    #: complaint_sla: the SLA of an urgent complaint, and the condition that makes one urgent
    urgent_due_s: int | None = None
    urgent_when: Condition | None = None


@dataclass(frozen=True)
class Category:
    """One rule of the rules file."""

    id: str
    title: str
    #: QA dimension: politeness 礼貌度 / professionalism 专业度 / efficiency 解决效率 / expression 语言表达 / risk
    dimension: str
    severity: str
    #: scorecard points when it fires (negative: a deduction, 0: informational)
    points: float
    when: Condition
    #: fires only on calls that reached an agent (derived from ``when`` unless the file says)
    requires_agent: bool
    followup: FollowUpRule | None = None
    description: str = ""
    #: line of the category in the rules file
    line: int | None = None

    def phrase_lists(self, *, with_exceptions: bool) -> Iterator[tuple[str, PhraseList]]:
        """(party, phrases) of every ``said``/``not_said`` in ``when`` (and in the urgent condition)."""
        roots = [self.when]
        if with_exceptions and self.followup and self.followup.urgent_when is not None:
            roots.append(self.followup.urgent_when)
        for root in roots:
            for condition in walk(root):
                if isinstance(condition, Said):
                    yield condition.party, condition.phrases
                    if with_exceptions and condition.excluded is not None:
                        yield condition.party, condition.excluded


def _lang(lang: str) -> str:
    return lang.split("-", 1)[0].lower()


def _dedupe(matches: tuple[Match, ...]) -> tuple[Match, ...]:
    return tuple(sorted(dict.fromkeys(matches), key=lambda m: (m.start_ms, m.end_ms, m.party or "", m.text)))


class RuleSet:
    """The categories of one rules file. Build with :func:`qa.rules.load_rules` / ``parse_rules``."""

    def __init__(self, name: str, version: str, digest: str, categories: tuple[Category, ...], source: str,
                 *, greeting_category: str | None = None):
        self.name = name
        #: the file's own ``version`` field
        self.file_version = version
        #: sha256 hex digest of the file's text
        self.digest = digest
        self.categories = categories
        self.source = source
        #: the category whose phrases are the agent's greeting (the file's ``greeting_category``)
        self.greeting_category = greeting_category
        self._by_id = {c.id: c for c in categories}

    @property
    def version(self) -> str:
        """``name@version+sha8``: changes whenever the file's text changes."""
        return f"{self.name}@{self.file_version}+{self.digest[:8]}"

    def __repr__(self) -> str:
        return f"RuleSet({self.version!r}, {len(self.categories)} categories)"

    def category(self, category_id: str) -> Category:
        try:
            return self._by_id[category_id]
        except KeyError:
            have = ", ".join(self._by_id)
            raise KeyError(f"no category {category_id!r} in rules {self.version} (have: {have})") from None

    # ---- what the rules listen for -----------------------------------------------------

    def phrases(self, party: str, lang: str) -> list[str]:
        """Every phrase any rule listens for on ``party`` in ``lang`` (the spotting grammar).

        Includes ``except`` phrases and urgent-complaint phrases: a spotter that cannot hear
        "不知道您" would report its "不知道" as a taboo. In file order, without duplicates.
        """
        lang = _lang(lang)
        out: dict[str, None] = {}
        for category in self.categories:
            for who, phrases in category.phrase_lists(with_exceptions=True):
                if who == party:
                    out.update(dict.fromkeys(phrases.phrases(lang)))
        return list(out)

    def category_phrases(self, category_id: str, lang: str) -> list[str]:
        """The phrases a category's condition listens for in ``lang`` (not its ``except`` phrases)."""
        out: dict[str, None] = {}
        for _, phrases in self.category(category_id).phrase_lists(with_exceptions=False):
            out.update(dict.fromkeys(phrases.phrases(_lang(lang))))
        return list(out)

    def matches_phrase(self, category_id: str, text: str, lang: str) -> bool:
        """Whether ``text`` holds one of the category's phrases, matched as the category matches them.

        :meth:`is_greeting` is this for the file's ``greeting_category``.
        """
        lang = _lang(lang)
        for condition in walk(self.category(category_id).when):
            if isinstance(condition, Said) and condition.phrases.matches(text, lang):
                if condition.excluded is None or not condition.excluded.matches(text, lang):
                    return True
        return False

    def is_greeting(self, text: str, lang: str) -> bool:
        """Whether an agent's ``text`` greets: :meth:`matches_phrase` of the file's ``greeting_category``
        (False when the file names none). For :func:`qa.characteristics.compute_characteristics`."""
        return self.greeting_category is not None and self.matches_phrase(self.greeting_category, text, lang)

    # ---- evaluation --------------------------------------------------------------------

    def evaluate(self, analysis: CallAnalysis, *, started_at: datetime | None = None) -> RulesOutcome:
        """Every category that fires on ``analysis``, and the follow-ups they create.

        ``started_at``: local wall-clock time the recording started; with it, promises in
        calendar words ("明天", "by end of day", business days) are due at exact times (see
        :func:`qa.followups.parse_due`), without it at fixed lengths.

        Follow-ups (``due_in_s`` counted from the start of the recording, like every time in an
        analysis): a promise category makes one per agent turn that promised, due when its
        matched words, else the whole turn, say (:func:`qa.followups.parse_due`), else after the
        category's ``default_due_s``; a complaint category makes one, its SLA (``due_s``, or
        ``urgent.due_s`` when the urgent condition holds) running from the first complaint words
        heard (from 0 when only call facts made it a complaint).
        """
        call = Call(analysis)
        results: list[CategoryResult] = []
        followups: list[FollowUpSpec] = []
        for category in self.categories:
            if category.requires_agent and analysis.agent_start_ms is None:
                continue  # a call that never reached an agent is not scored on the agent's words
            verdict = category.when.evaluate(call)
            if not verdict.fired:
                continue
            matches = _dedupe(verdict.matches)
            results.append(CategoryResult(category.id, category.severity, category.points, category.dimension,
                                          category.title, matches))
            if category.followup is not None:
                followups += self._followups(category, category.followup, matches, call, started_at)
        return RulesOutcome(self.version, tuple(results), tuple(followups))

    @staticmethod
    def _followups(category: Category, rule: FollowUpRule, matches: tuple[Match, ...], call: Call,
                   started_at: datetime | None) -> list[FollowUpSpec]:
        spoken = [m for m in matches if m.party is not None]
        if rule.kind == "complaint_sla":
            urgent = rule.urgent_when.evaluate(call) if rule.urgent_when is not None else None
            said_at = min((m.start_ms for m in spoken), default=0)
            words = " / ".join(dict.fromkeys(m.text for m in spoken)) or category.title
            if urgent is not None and urgent.fired and rule.urgent_due_s is not None:
                why = " / ".join(dict.fromkeys(m.text for m in urgent.matches))
                text, due = f"urgent: {words}" + (f" ({why})" if why else ""), rule.urgent_due_s
            else:
                text, due = words, rule.due_s
            party = spoken[0].party if spoken else None
            return [FollowUpSpec("complaint_sla", text, party, said_at, said_at // 1000 + due, category.id)]
        # a promise: one follow-up per turn that made one, due when its words say
        out: list[FollowUpSpec] = []
        seen: set[tuple[str, int]] = set()
        for m in spoken or [Match(None, 0, 0, category.title)]:
            view = call.turn_at(m.party, m.start_ms)
            if view is not None:
                key = (view.turn.party, view.turn.start_ms)
                if key in seen:
                    continue
                seen.add(key)
            turn_text = (view.turn.redacted_text or view.turn.text) if view is not None else m.text
            lang = view.lang if view is not None else call.lang
            now = started_at + timedelta(milliseconds=m.start_ms) if started_at is not None else None
            delay = parse_due(m.text, lang, now=now)
            if delay is None and view is not None:
                delay = parse_due(view.turn.text, lang, now=now)
            due = rule.due_s if delay is None else delay
            out.append(FollowUpSpec("promise", turn_text, m.party, m.start_ms, m.start_ms // 1000 + due, category.id))
        return out
