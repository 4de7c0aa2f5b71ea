"""The values of a post-call analysis: turns per party, emotion per party, call facts.

Pure data (no I/O). The pipeline builds a :class:`CallAnalysis`; the rules, the conversation
characteristics, redaction, the store and the export all read it. Times are integer
milliseconds from the start of the recording, as in Contact Lens (``BeginOffsetMillis``).

Parties: ``caller`` (the customer), ``ivr`` (the outbound channel before an agent answered:
prompts), ``agent`` (the outbound channel once the call was bridged to a person).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

#: schema id of :meth:`CallAnalysis.to_dict` (bump on incompatible change)
ANALYSIS_SCHEMA = "hotline.qa.analysis/1"
PARTIES = ("caller", "agent", "ivr")
#: transcript: a full-vocabulary model; spotting: the built-in model heard only known phrases
MODES = ("transcript", "spotting")


@dataclass(frozen=True)
class Word:
    text: str
    start_ms: int
    end_ms: int
    conf: float = 1.0

    @classmethod
    def from_dict(cls, d: dict) -> "Word":
        return cls(str(d["text"]), int(d["start_ms"]), int(d["end_ms"]), float(d.get("conf", 1.0)))


@dataclass(frozen=True)
class TurnEmotion:
    """The emotion of one turn: label (calm/tense/agitated/distressed) and peak agitation 0..1."""

    label: str
    peak: float | None = None


@dataclass(frozen=True)
class Turn:
    """One utterance of one party."""

    party: str
    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    #: mean word confidence 0..1
    confidence: float = 1.0
    #: caller turns: the intent classifier's answer (None for other parties / unclassified)
    intent: str | None = None
    intent_confidence: float | None = None
    emotion: TurnEmotion | None = None
    #: the text with personal data masked (None until redaction ran)
    redacted_text: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["words"] = [asdict(w) for w in self.words]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Turn":
        emotion = d.get("emotion")
        return cls(
            party=str(d["party"]), start_ms=int(d["start_ms"]), end_ms=int(d["end_ms"]), text=str(d["text"]),
            words=tuple(Word.from_dict(w) for w in d.get("words", ())), confidence=float(d.get("confidence", 1.0)),
            intent=d.get("intent"), intent_confidence=d.get("intent_confidence"),
            emotion=TurnEmotion(**emotion) if emotion else None, redacted_text=d.get("redacted_text"),
        )


@dataclass(frozen=True)
class EmotionPoint:
    """One emotion window of one party: [t0_ms, t1_ms), fused agitation 0..1, label, flag."""

    t0_ms: int
    t1_ms: int
    agitation: float | None
    label: str | None
    flag: bool = False


@dataclass(frozen=True)
class PartyEmotion:
    """One party's emotion timeline and summary (from :mod:`emotion`)."""

    party: str
    points: tuple[EmotionPoint, ...] = ()
    label: str = "calm"
    peak: float | None = None
    mean: float | None = None
    flagged_ms: int = 0
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["points"] = [asdict(p) for p in self.points]
        d["reasons"] = list(self.reasons)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PartyEmotion":
        return cls(party=d["party"], points=tuple(EmotionPoint(**p) for p in d.get("points", ())),
                   label=d.get("label", "calm"), peak=d.get("peak"), mean=d.get("mean"),
                   flagged_ms=int(d.get("flagged_ms", 0)), reasons=tuple(d.get("reasons", ())))


@dataclass(frozen=True)
class CallFacts:
    """What the IVR knew about the call (from the call record), for rules and search."""

    locale: str = "zh-CN"
    skill: str | None = None
    intent: str | None = None
    outcome: str | None = None
    priority: int | None = None
    reprompts: int = 0
    repeat_caller: bool = False
    #: IVR menu path (node ids in order)
    path: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = list(self.path)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "CallFacts":
        d = dict(d)
        d["path"] = tuple(d.get("path", ()))
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class CallAnalysis:
    """Everything the post-call pipeline derived from one recording, before rules."""

    call_sid: str
    recording_sid: str
    mode: str
    model: str
    duration_ms: int
    turns: tuple[Turn, ...]
    emotion: dict[str, PartyEmotion] = field(default_factory=dict)
    facts: CallFacts = field(default_factory=CallFacts)
    #: when the agent conversation began (the outbound channel before it is the IVR); None: no agent
    agent_start_ms: int | None = None
    #: characteristics (see :mod:`qa.characteristics`), filled by the pipeline
    characteristics: dict[str, Any] = field(default_factory=dict)

    def party_turns(self, party: str) -> list[Turn]:
        return [t for t in self.turns if t.party == party]

    def with_(self, **changes) -> "CallAnalysis":
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return {
            "schema": ANALYSIS_SCHEMA, "call_sid": self.call_sid, "recording_sid": self.recording_sid,
            "mode": self.mode, "model": self.model, "duration_ms": self.duration_ms,
            "agent_start_ms": self.agent_start_ms, "facts": self.facts.to_dict(),
            "turns": [t.to_dict() for t in self.turns],
            "emotion": {p: e.to_dict() for p, e in self.emotion.items()},
            "characteristics": self.characteristics,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "CallAnalysis":
        if d.get("schema") != ANALYSIS_SCHEMA:
            raise ValueError(f"not a hotline analysis (schema {d.get('schema')!r}, expected {ANALYSIS_SCHEMA!r})")
        return cls(
            call_sid=d["call_sid"], recording_sid=d["recording_sid"], mode=d["mode"], model=d["model"],
            duration_ms=int(d["duration_ms"]), turns=tuple(Turn.from_dict(t) for t in d.get("turns", ())),
            emotion={p: PartyEmotion.from_dict(e) for p, e in d.get("emotion", {}).items()},
            facts=CallFacts.from_dict(d.get("facts", {})), agent_start_ms=d.get("agent_start_ms"),
            characteristics=dict(d.get("characteristics", {})),
        )


# ---- what the rules make of an analysis -------------------------------------------------

SEVERITIES = ("info", "minor", "major", "critical")


@dataclass(frozen=True)
class Match:
    """Where a rule matched: a party's words (or a stretch of time) in the call."""

    party: str | None
    start_ms: int
    end_ms: int
    #: the words matched, or what was measured ("silence 12.4 s", "agitation 0.81 for 9 s")
    text: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> "Match":
        return cls(d.get("party"), int(d["start_ms"]), int(d["end_ms"]), d.get("text", ""))


@dataclass(frozen=True)
class CategoryResult:
    """One rule that fired on a call (Contact Lens: a matched category with its points of interest)."""

    category: str
    severity: str
    #: scorecard points (negative: deducted)
    points: float
    #: QA dimension: politeness / professionalism / efficiency / expression / risk
    dimension: str
    title: str
    matches: tuple[Match, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["matches"] = [asdict(m) for m in self.matches]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "CategoryResult":
        return cls(d["category"], d["severity"], float(d["points"]), d["dimension"], d.get("title", ""),
                   tuple(Match.from_dict(m) for m in d.get("matches", ())))


@dataclass(frozen=True)
class FollowUpSpec:
    """A follow-up the call created: a promise with its due time, or a complaint SLA."""

    #: promise | complaint_sla
    kind: str
    #: what was promised / why, in the call's words
    text: str
    party: str | None
    said_at_ms: int
    #: seconds after the call started when it is due
    due_in_s: int
    #: the category that made it
    category: str

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FollowUpSpec":
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RulesOutcome:
    """The categories and follow-ups one rules version produced for one analysis."""

    rules_version: str
    categories: tuple[CategoryResult, ...] = ()
    followups: tuple[FollowUpSpec, ...] = ()

    @property
    def score(self) -> float:
        """Sum of the points of every category (a scorecard starts from its own base)."""
        return sum(c.points for c in self.categories)

    def to_dict(self) -> dict:
        return {"rules_version": self.rules_version, "categories": [c.to_dict() for c in self.categories],
                "followups": [f.to_dict() for f in self.followups]}

    @classmethod
    def from_dict(cls, d: dict) -> "RulesOutcome":
        return cls(d["rules_version"], tuple(CategoryResult.from_dict(c) for c in d.get("categories", ())),
                   tuple(FollowUpSpec.from_dict(f) for f in d.get("followups", ())))
