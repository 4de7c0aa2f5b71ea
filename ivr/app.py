"""The Flask app factory: nothing exists at import time; each test builds its own app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, jsonify

from ivr import health, logs, metrics
from ivr.callcontrol import CallControl, TwilioCallControl
from ivr.calls import CallService, RouteHook
from ivr.config import ConfigError, Settings, load_settings, webhook_problems
from ivr.engine import FlowEngine
from ivr.flow import Flow, load_flow
from ivr.orders import OrderBackend, SqliteOrderBackend
from ivr.twiml import TwimlOptions
from ivr.understanding import SpeechUnderstanding
from qa.store import CallStore, StoreError

log = logging.getLogger(__name__)


@dataclass
class Hotline:
    """Everything a request needs, created once per app (``app.extensions["hotline"]``)."""

    settings: Settings
    flow: Flow
    engine: FlowEngine
    store: CallStore
    orders: OrderBackend | None
    service: CallService
    #: the shared Vosk model when speech navigation is on
    speech_model: Any = None
    #: the post-call job table (None when qa_jobs is off)
    jobs: Any = None
    #: tells Celery workers there is work (qa_jobs = celery)
    notifier: Any = None

    def twiml_options(self) -> TwimlOptions:
        from ivr.live import stream_url

        base = self.settings.public_url.rstrip("/")
        return TwimlOptions(
            gather_url=f"{base}/twilio/gather",
            voices=self.settings.voices,
            gather_timeout=self.settings.gather_timeout,
            workflow_sid=self.settings.taskrouter_workflow_sid,
            task_timeout=self.settings.task_timeout,
            enqueue_action_url=f"{base}/twilio/enqueue",
            stream_url=stream_url(base) if self.speech_model is not None else None,
            recording_callback_url=f"{base}/twilio/recording" if self.settings.record_calls else None,
        )


def load_speech_model(settings: Settings):
    """The shared Vosk model for speech navigation, or None when it is off or (auto) unavailable.

    Loaded here, at start-up, never on a request path.
    """
    if settings.speech_navigation == "off":
        return None
    import asr

    try:
        return asr.load_model(settings.asr_model or None, settings.models_dir)
    except asr.ASRError as exc:
        if settings.speech_navigation == "on":
            raise ConfigError([f"speech_navigation is on but the ASR model cannot be loaded: {exc}"]) from exc
        log.warning("speech navigation off: %s (keypad only)", exc)
        return None


def make_routing_hook(settings: Settings):
    """The router (rules from YAML, validated now) with the demo caller profiles."""
    from ivr.decisions import RoutingHook
    from ivr.profiles import ProfileError, SqliteCallerProfiles
    from ivr.router import Router, RoutingRulesError

    try:
        router = Router.from_yaml(settings.routing_rules or None)
    except RoutingRulesError as exc:
        raise ConfigError([f"routing_rules: {exc}"]) from exc
    try:
        profiles = SqliteCallerProfiles(settings.resolved_profiles_database_url)
        profiles.seed_demo()
    except ProfileError as exc:
        log.warning("caller profiles unavailable (%s): routing without them", exc)
        profiles = None
    return RoutingHook(router, profiles)


def load_classifier(settings: Settings):
    """The intent classifier for free speech; without it speech still matches menu phrases.

    Cached in ``models_dir`` so only the first start (or a data change) pays for training.
    """
    from ivr.intents import IntentClassifier, IntentsError

    try:
        return IntentClassifier.load(settings.intent_model_path)
    except IntentsError as exc:
        log.warning("intent classifier unavailable (%s): speech matches menu phrases only", exc)
        return None


def load_cue_words():
    """The words menus listen for beyond their phrases, from the classifier's *training* sentences
    only (the held-out and probe sentences measure the recogniser, so they never shape its grammar)."""
    from ivr.intents import load_shipped
    from ivr.intents.cues import CueWords

    return CueWords.from_examples(load_shipped("train"))


def make_job_queue(settings: Settings, store: CallStore):
    """The post-call job table, and a Celery notifier when jobs run on Celery."""
    if settings.qa_jobs == "off":
        return None, None
    from qa.store import JobQueue

    notifier = None
    if settings.qa_jobs == "celery":
        from qa.jobs.celery_app import CeleryNotifier

        notifier = CeleryNotifier(settings.qa_broker_url)
    return JobQueue(store), notifier


def create_app(
    settings: Settings | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    orders: OrderBackend | None = None,
    route_hook: RouteHook | None = None,
    call_control: CallControl | None = None,
) -> Flask:
    """Build the hotline web app.

    ``settings`` defaults to :func:`ivr.config.load_settings` (file + environment, with
    ``overrides``). ``orders`` replaces the demo SQLite order backend; ``call_control``
    replaces the Twilio REST client used to move live calls on after speech.
    Raises :class:`ivr.config.ConfigError`, :class:`ivr.flow.FlowError` or
    :class:`qa.store.StoreError` with a clear message when something is wrong at start.
    """
    settings = settings or load_settings(overrides=overrides)
    logs.configure(settings.log_format)
    if webhook_problems(settings):
        raise ConfigError(webhook_problems(settings))
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    flow = load_flow(settings.flow_file)
    speech_model = load_speech_model(settings)
    classifier = load_classifier(settings) if speech_model is not None else None
    interpreter = SpeechUnderstanding(classifier, flow, cues=load_cue_words() if classifier is not None else None)
    engine = FlowEngine(flow, interpreter=interpreter, min_speech_confidence=settings.speech_min_confidence)
    store = CallStore(settings.resolved_database_url)
    store.init_schema()
    if orders is None:
        demo = SqliteOrderBackend(settings.resolved_orders_database_url, timeout=settings.order_backend_timeout)
        demo.seed_demo()
        orders = demo
    if route_hook is None:
        route_hook = make_routing_hook(settings)
    app_metrics = metrics.Metrics()
    service = CallService(engine, store, orders, lookup_timeout=settings.order_backend_timeout, route_hook=route_hook,
                          observer=app_metrics.observe_step)

    app = Flask(__name__, instance_path=str(Path(settings.instance_path).resolve()))
    app.config.from_mapping(SECRET_KEY="unused-for-webhooks")
    jobs, notifier = make_job_queue(settings, store)
    hotline = Hotline(settings, flow, engine, store, orders, service, speech_model, jobs, notifier)
    app.extensions["hotline"] = hotline
    metrics.init_app(app, app_metrics, settings.metrics_token)
    if jobs is not None:
        from qa.metrics import JobQueueCollector

        app_metrics.add_collector(JobQueueCollector(jobs))
    health.init_app(app, hotline)
    logs.init_app(app)

    from ivr import webhooks

    app.register_blueprint(webhooks.bp)
    from qa import web as qa_web

    qa_web.init_app(app)  # the QA review web app at /qa (its own session secret and CSRF)
    if speech_model is not None:
        from ivr import live

        control = call_control or TwilioCallControl(settings.twilio_account_sid or "AC" + "0" * 32,
                                                    settings.twilio_auth_token or "unset",
                                                    base_url=settings.twilio_api_base_url)
        live.init_app(app, live.LiveSpeech(model=speech_model, control=control))

    @app.get("/healthz")
    def healthz():
        try:
            store.check_schema()
        except StoreError as exc:
            return jsonify(status="unavailable", database=str(exc)), 503
        return jsonify(status="ok", flow=flow.id, nodes=len(flow.nodes),
                       speech=getattr(speech_model, "name", None))

    return app
