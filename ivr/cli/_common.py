"""Helpers shared by the CLI modules: settings from the group's --config, errors as one line."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping

import click

from ivr.config import ConfigError, Settings, load_settings


def settings_from(ctx: click.Context, overrides: Mapping[str, Any] | None = None) -> Settings:
    config_path = (ctx.find_root().obj or {}).get("config_path")
    try:
        return load_settings(config_path, overrides=overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextlib.contextmanager
def user_errors(*kinds: type[BaseException]) -> Iterator[None]:
    """Turn the expected errors of a command into click's one-line ``Error: ...`` and exit 1."""
    try:
        yield
    except kinds as exc:
        raise click.ClickException(str(exc)) from exc


def open_store(settings: Settings, *, init: bool = True):
    """The call store of ``settings``; ``init`` creates or migrates its tables (the instance folder too)."""
    from pathlib import Path

    from qa.store import CallStore

    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    store = CallStore(settings.resolved_database_url)
    if init:
        store.init_schema()
    return store
