"""Auto-QA rules as data: ``qa/rules.yaml``, validated like flows, applied to call analyses.

A rules file (``schema: hotline.qa.rules/1``, its own ``name`` and ``version``) lists
categories. Each has a QA dimension, a severity, scorecard points and a condition (``when``)
built from phrases said or not said by a party (exact or tolerant, in a time window),
emotion, silence, interruptions, talk speed and call facts, combined with all/any/not
(semantics: :mod:`qa.rules.conditions`). A category may create a follow-up: a promise due
when the agent's words say (:func:`qa.followups.parse_due`), or a complaint's SLA.

    rules = load_rules()                  # the shipped qa/rules.yaml
    outcome = rules.evaluate(analysis)    # RulesOutcome: categories, follow-ups, rules_version
    rules.phrases("agent", "zh")          # the spotting grammar's QA phrases

Errors: :class:`RulesError` (a ``ValueError``) lists every problem of a file, each as
``file:line: path: message``.
"""

from qa.rules.conditions import Call as Call
from qa.rules.conditions import Verdict as Verdict
from qa.rules.conditions import Window as Window
from qa.rules.loader import SCHEMA_ID as SCHEMA_ID
from qa.rules.loader import RulesError as RulesError
from qa.rules.loader import check_rules_file as check_rules_file
from qa.rules.loader import load_rules as load_rules
from qa.rules.loader import parse_rules as parse_rules
from qa.rules.loader import shipped_rules_path as shipped_rules_path
from qa.rules.phrases import PhraseList as PhraseList
from qa.rules.phrases import text_lang as text_lang
from qa.rules.ruleset import FOLLOWUP_KINDS as FOLLOWUP_KINDS
from qa.rules.ruleset import Category as Category
from qa.rules.ruleset import FollowUpRule as FollowUpRule
from qa.rules.ruleset import RuleSet as RuleSet

__all__ = [
    "Call",
    "Category",
    "FOLLOWUP_KINDS",
    "FollowUpRule",
    "PhraseList",
    "RuleSet",
    "RulesError",
    "SCHEMA_ID",
    "Verdict",
    "Window",
    "check_rules_file",
    "load_rules",
    "parse_rules",
    "shipped_rules_path",
    "text_lang",
]
