"""The Flask app factory: nothing exists at import time; each test builds its own app."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, jsonify

from ivr.calls import CallService, RouteHook
from ivr.config import Settings, load_settings
from ivr.engine import FlowEngine
from ivr.flow import Flow, load_flow
from ivr.orders import OrderBackend, SqliteOrderBackend
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


def create_app(
    settings: Settings | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    orders: OrderBackend | None = None,
    route_hook: RouteHook | None = None,
) -> Flask:
    """Build the hotline web app.

    ``settings`` defaults to :func:`ivr.config.load_settings` (file + environment, with
    ``overrides``). ``orders`` replaces the demo SQLite order backend.
    Raises :class:`ivr.config.ConfigError`, :class:`ivr.flow.FlowError` or
    :class:`qa.store.StoreError` with a clear message when something is wrong at start.
    """
    settings = settings or load_settings(overrides=overrides)
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    flow = load_flow(settings.flow_file)
    engine = FlowEngine(flow)
    store = CallStore(settings.resolved_database_url)
    store.init_schema()
    if orders is None:
        demo = SqliteOrderBackend(settings.resolved_orders_database_url, timeout=settings.order_backend_timeout)
        demo.seed_demo()
        orders = demo
    service = CallService(engine, store, orders, lookup_timeout=settings.order_backend_timeout, route_hook=route_hook)

    app = Flask(__name__, instance_path=str(Path(settings.instance_path).resolve()))
    app.config.from_mapping(SECRET_KEY="unused-for-webhooks")
    app.extensions["hotline"] = Hotline(settings, flow, engine, store, orders, service)

    from ivr import webhooks

    app.register_blueprint(webhooks.bp)

    @app.get("/healthz")
    def healthz():
        try:
            store.check_schema()
        except StoreError as exc:
            return jsonify(status="unavailable", database=str(exc)), 503
        return jsonify(status="ok", flow=flow.id, nodes=len(flow.nodes))

    return app
