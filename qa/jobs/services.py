"""Building what a post-call worker needs from the settings (once per worker process)."""

from __future__ import annotations

import logging
from pathlib import Path

from qa.fetch import FetchConfig
from qa.pipeline import Analyzer, AnalyzerConfig, ChannelMap, JobServices
from qa.store import CallStore

log = logging.getLogger(__name__)


def caller_phrases(flow_file: str) -> dict[str, list[str]]:
    """Every phrase of the flow, per language: what the built-in model spots on the caller's side."""
    from ivr.flow import load_flow

    flow = load_flow(flow_file)
    out: dict[str, list[str]] = {"zh": [], "en": []}
    options = [o for node in flow.nodes.values() for o in node.options] + list(flow.global_options)
    for option in options:
        for locale, phrases in option.phrases.items():
            bucket = out.setdefault("en" if locale.startswith("en") else "zh", [])
            bucket.extend(p for p in phrases if p not in bucket)
    return out


def intent_classifier(settings):
    """The intent classifier's batch call, or None when it cannot be loaded (intents are then left out)."""
    from ivr.intents import IntentClassifier, IntentsError

    try:
        classifier = IntentClassifier.load(settings.intent_model_path)
    except IntentsError as exc:
        log.warning("intent classifier unavailable (%s): caller turns get no intent", exc)
        return None
    return classifier.classify_many


def analyzer_config(settings) -> AnalyzerConfig:
    return AnalyzerConfig(
        model=settings.qa_asr_model, models_dir=settings.models_dir, mode=settings.qa_mode,
        channels=ChannelMap.parse(settings.qa_channels), non_talk_min_ms=int(settings.qa_non_talk_s * 1000),
        redaction=settings.qa_redaction, caller_phrases=caller_phrases(settings.flow_file),
        timezone=settings.qa_timezone,
    )


def build_services(settings, store: CallStore | None = None) -> JobServices:
    """Store, analyzer (model loaded on first use), fetch credentials and folders from ``settings``."""
    from qa.rules import load_rules

    store = store or CallStore(settings.resolved_database_url)
    analyzer = Analyzer(analyzer_config(settings), rules=load_rules(settings.qa_rules or None),
                        classify=intent_classifier(settings))
    fetch = FetchConfig(account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
                        timeout=settings.qa_download_timeout)
    return JobServices(store=store, analyzer=analyzer, fetch=fetch, recordings_dir=Path(settings.resolved_recordings_dir))
