"""The post-call analysis of one recording: parties -> turns -> emotion -> intents -> rules -> redaction.

An :class:`Analyzer` is long-lived (one per worker process): it loads the Vosk model, the
intent classifier and the rules once and analyses many calls. Nothing here touches the
database or the network; :mod:`qa.pipeline.job` does that around it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import Any, Callable, Mapping, Sequence

from asr import LoadedModel, load_model
from qa.analysis import CallAnalysis, CallFacts, RulesOutcome, Turn
from qa.characteristics import compute_characteristics
from qa.pipeline.emotions import score_party
from qa.pipeline.recognize import recognize_party, speech_regions
from qa.pipeline.recording import CallAudio, ChannelMap
from qa.redaction import redact_turn, redact_wav

log = logging.getLogger(__name__)

MODES = ("auto", "transcript", "spotting")
#: spoken digits, so a caller's phone or card number is heard (and redacted) in spotting mode too
DIGIT_WORDS = {"zh": tuple("零一二三四五六七八九幺两"),
               "en": ("zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")}
REDACTION_MODES = ("tone", "silence")


@dataclass(frozen=True)
class AnalyzerConfig:
    #: Vosk model name or path for QA; "" = the built-in command model (spotting)
    model: str = ""
    models_dir: str | None = None
    #: auto: spotting on hotline's own command models, a full transcript on any other model
    mode: str = "auto"
    channels: ChannelMap = ChannelMap()
    #: silences at least this long are non-talk instances
    non_talk_min_ms: int = 3000
    #: what replaces personal data in the redacted audio
    redaction: str = "tone"
    #: the caller's spotting phrases per language ("zh"/"en"): menu phrases, intent keywords
    caller_phrases: Mapping[str, Sequence[str]] = field(default_factory=dict)
    #: local time zone of the hotline (calendar promises such as "明天" fall due in it)
    timezone: str = "Asia/Shanghai"


def lang_of(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "zh"


def is_command_model(model: LoadedModel) -> bool:
    """hotline's own models know only menu and QA phrases: they can spot, not transcribe."""
    return (Path(model.info.path) / "hotline-model.json").is_file()


class Analyzer:
    """Analyses recordings; share one per process (the model is shared by its threads)."""

    def __init__(self, config: AnalyzerConfig, *, rules, model: LoadedModel | None = None,
                 classify: Callable[[list[str], str], list[Any]] | None = None):
        self.config = config
        self.rules = rules
        self._model = model
        #: texts, lang -> objects with .intent and .confidence (ivr.intents.IntentClassifier.classify_many)
        self.classify = classify

    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            self._model = load_model(self.config.model or None, self.config.models_dir)
        return self._model

    @property
    def mode(self) -> str:
        if self.config.mode != "auto":
            return self.config.mode
        return "spotting" if is_command_model(self.model) else "transcript"

    def grammar(self, party: str, lang: str) -> list[str] | None:
        """What the recogniser listens for on a party: None = free text (transcript mode)."""
        if self.mode != "spotting":
            return None
        phrases = list(self.rules.phrases(party, lang))
        if party == "caller":
            extra = list(self.config.caller_phrases.get(lang, ())) + list(DIGIT_WORDS.get(lang, ()))
            phrases += [p for p in extra if p not in phrases]
        # Vosk's words are lower-case without punctuation ("i don't know"): a grammar word it does not
        # know is dropped silently, so the phrases are spelled as the model's vocabulary spells them
        from voskbuild.phrases import normalize_phrase

        return list(dict.fromkeys(normalize_phrase(p) for p in phrases if normalize_phrase(p)))

    # ---- the analysis -------------------------------------------------------------

    def analyze(self, audio: CallAudio, *, call_sid: str, recording_sid: str, facts: CallFacts = CallFacts(),
                agent_start_ms: int | None = None) -> CallAnalysis:
        """Turns, emotion and intents of both parties (no rules yet: see :meth:`conclude`)."""
        lang = lang_of(facts.locale)
        rate = audio.rate
        end_s = audio.outbound.size / rate
        split_s = end_s if agent_start_ms is None else agent_start_ms / 1000
        caller_turns = self._recognize(audio.caller, rate, "caller", speech_regions(audio.caller, rate), lang)
        # one VAD pass over the whole outbound channel, then cut at the agent's start: region edges
        # do not move with where the cut falls
        outbound = speech_regions(audio.outbound, rate)
        ivr_regions = [replace(r, end_s=min(r.end_s, split_s)) for r in outbound if r.start_s < split_s]
        ivr_turns = (self._recognize(audio.outbound, rate, "ivr", ivr_regions, lang) if self.mode == "transcript"
                     else [Turn("ivr", int(r.start_s * 1000), int(r.end_s * 1000), "") for r in ivr_regions])
        agent_turns: list[Turn] = []
        if agent_start_ms is not None:
            agent_regions = [replace(r, start_s=max(r.start_s, split_s)) for r in outbound if r.end_s > split_s]
            agent_turns = self._recognize(audio.outbound, rate, "agent", agent_regions, lang)
        caller_turns = self._with_intents(caller_turns, lang)
        caller_emotion, caller_turns = score_party(audio.caller, rate, "caller", caller_turns)
        emotions = {"caller": caller_emotion}
        if agent_start_ms is not None:
            emotions["agent"], agent_turns = score_party(audio.outbound, rate, "agent", agent_turns,
                                                         start_ms=agent_start_ms)
        turns = sorted(caller_turns + ivr_turns + agent_turns, key=lambda t: (t.start_ms, t.party))
        return CallAnalysis(call_sid=call_sid, recording_sid=recording_sid, mode=self.mode, model=self.model.name,
                            duration_ms=audio.duration_ms, turns=tuple(turns), emotion=emotions, facts=facts,
                            agent_start_ms=agent_start_ms)

    def _recognize(self, samples, rate: int, party: str, regions, lang: str) -> list[Turn]:
        grammar = self.grammar(party, lang)
        if grammar is not None and not grammar:
            return [Turn(party, int(r.start_s * 1000), int(r.end_s * 1000), "") for r in regions]
        return recognize_party(self.model, samples, rate, party, regions, grammar)

    def _with_intents(self, turns: list[Turn], lang: str) -> list[Turn]:
        spoken = [t for t in turns if t.text]
        if self.classify is None or not spoken:
            return turns
        results = dict(zip((id(t) for t in spoken), self.classify([t.text for t in spoken], lang)))
        return [replace(t, intent=results[id(t)].intent, intent_confidence=round(float(results[id(t)].confidence), 4))
                if id(t) in results else t for t in turns]

    def conclude(self, analysis: CallAnalysis, started_at: datetime | None = None) -> tuple[CallAnalysis, RulesOutcome]:
        """Conversation characteristics, then the rules (also used by ``hotline qa rerun``).

        ``started_at``: when the recording started (UTC or aware); promises in calendar words
        fall due in the hotline's time zone.
        """
        lang = lang_of(analysis.facts.locale)
        greeting = getattr(self.rules, "is_greeting", None)
        characteristics = compute_characteristics(
            analysis, non_talk_min_ms=self.config.non_talk_min_ms,
            is_greeting=(lambda text: greeting(text, lang)) if greeting else None)
        analysis = analysis.with_(characteristics=characteristics)
        local = None
        if started_at is not None:
            aware = started_at if started_at.tzinfo else started_at.replace(tzinfo=timezone.utc)
            local = aware.astimezone(ZoneInfo(self.config.timezone))
        return analysis, self.rules.evaluate(analysis, started_at=local)

    def redact(self, analysis: CallAnalysis, source: Path, dest: Path) -> tuple[CallAnalysis, list[dict]]:
        """Mask personal data in every turn and write a redacted copy of the recording at ``dest``.

        Returns the redacted analysis and the audio spans masked (party, kind, start_ms, end_ms).
        """
        turns: list[Turn] = []
        masked: list[dict] = []
        by_channel: dict[int, list[tuple[int, int]]] = {self.config.channels.caller: [],
                                                        self.config.channels.outbound: []}
        for turn in analysis.turns:
            redacted, spans = redact_turn(turn)
            turns.append(redacted)
            channel = self.config.channels.caller if turn.party == "caller" else self.config.channels.outbound
            for span in spans:
                by_channel[channel].append((span.start_ms, span.end_ms))
                masked.append({"party": turn.party, "kind": span.kind, "start_ms": span.start_ms,
                               "end_ms": span.end_ms})
        redact_wav(source, dest, by_channel, mode=self.config.redaction)
        return analysis.with_(turns=tuple(turns)), masked
