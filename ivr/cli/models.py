"""``hotline models list|info|install|pull|build|eval|tune``: the Vosk models this machine can use.

``build``, ``eval`` and ``tune`` (hotline's own command models) live in :mod:`ivr.cli.models_build`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import click

from ivr.cli import LazyGroup
from ivr.cli._common import settings_from


@dataclass(frozen=True)
class ASRSettings:
    """The two settings the speech commands need."""

    #: model name or path ("" = asr's default)
    asr_model: str
    models_dir: str


def asr_settings(ctx: click.Context) -> ASRSettings:
    """``asr_model`` and ``models_dir`` from hotline.toml / HOTLINE_* variables."""
    settings = settings_from(ctx)
    return ASRSettings(settings.asr_model, settings.models_dir)


def _size(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def _describe(info, default: str) -> list[str]:
    import asr

    status = "ok" if info.ok else "BROKEN: missing " + ", ".join(info.missing)
    compounds = sorted(asr.Compounds.of_model(info.path).phrases.values())
    return [
        f"{info.name}{'  (default)' if info.name == default else ''}",
        f"  path:        {info.path}",
        f"  language:    {info.language or '?'}",
        f"  sample rate: {info.sample_rate} Hz",
        f"  graph:       {info.graph} ({'grammars supported' if info.supports_grammar else 'no runtime grammars'})",
        f"  i-vectors:   {'yes' if info.has_ivector else 'no'}",
        f"  compounds:   {len(compounds)} multi-word phrases heard whole (e.g. {', '.join(compounds[:3])})"
        if compounds else "  compounds:   none (grammar phrases are matched word by word)",
        f"  size:        {_size(info.size_bytes)}",
        f"  status:      {status}",
    ]


@click.group(cls=LazyGroup, lazy={"build": "ivr.cli.models_build:build", "eval": "ivr.cli.models_build:evaluate",
                                   "tune": "ivr.cli.models_build:tune"})
def models() -> None:
    """List, inspect, install, download and build Vosk speech models."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Installed models and their properties."""
    import asr

    cfg = asr_settings(ctx)
    with _asr_errors():
        found = asr.list_models(cfg.models_dir)
    default = cfg.asr_model or asr.DEFAULT_MODEL
    if as_json:
        click.echo(json.dumps([i.to_dict() for i in found], ensure_ascii=False, indent=2))
        return
    if not found:
        dirs = ", ".join(str(d) for d in asr.search_dirs(cfg.models_dir))
        click.echo(f"no models installed (searched {dirs}); try 'hotline models install PATH_OR_ZIP'")
        return
    click.echo(f"{'NAME':<28} {'LANG':<5} {'RATE':>6} {'GRAPH':<8} {'GRAMMAR':<8} {'IVEC':<5} {'SIZE':>8}  STATUS")
    for i in found:
        mark = "*" if i.name == default else " "
        click.echo(f"{mark}{i.name:<27} {i.language or '?':<5} {i.sample_rate:>6} {i.graph:<8} "
                   f"{'yes' if i.supports_grammar else 'no':<8} {'yes' if i.has_ivector else 'no':<5} "
                   f"{_size(i.size_bytes):>8}  {'ok' if i.ok else 'missing ' + ', '.join(i.missing)}")


@models.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def info(ctx: click.Context, name: str | None, as_json: bool) -> None:
    """Properties of model NAME (a name or a path; default: the configured model)."""
    import asr

    cfg = asr_settings(ctx)
    with _asr_errors():
        details = asr.inspect_model(asr.resolve_model(name or cfg.asr_model or None, cfg.models_dir))
    if as_json:
        click.echo(json.dumps(details.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_describe(details, cfg.asr_model or asr.DEFAULT_MODEL)))
    if not details.ok:
        raise SystemExit(1)


@models.command()
@click.argument("source", type=click.Path(exists=False))
@click.option("--name", help="Install under this name (default: the folder/archive name).")
@click.option("--force", is_flag=True, help="Replace a model of the same name.")
@click.pass_context
def install(ctx: click.Context, source: str, name: str | None, force: bool) -> None:
    """Unpack (.zip/.tar.gz) or copy a model folder into models_dir, validating it first."""
    import asr

    cfg = asr_settings(ctx)
    with _asr_errors():
        details = asr.install_model(source, cfg.models_dir, name=name, force=force)
    click.echo(f"installed {details.name} into {details.path}")
    click.echo("\n".join(_describe(details, cfg.asr_model or asr.DEFAULT_MODEL)[1:]))


@models.command()
@click.argument("name")
@click.option("--url", help="Download from this URL instead of the official Vosk model site.")
@click.option("--timeout", default=30.0, show_default=True, help="Network timeout, seconds.")
@click.option("--force", is_flag=True, help="Replace a model of the same name.")
@click.pass_context
def pull(ctx: click.Context, name: str, url: str | None, timeout: float, force: bool) -> None:
    """Download official model NAME (e.g. vosk-model-small-cn-0.22) and install it."""
    import asr

    cfg = asr_settings(ctx)
    with _asr_errors():
        details = asr.pull_model(name, cfg.models_dir, url=url, timeout=timeout, force=force)
    click.echo(f"installed {details.name} into {details.path}")


def _asr_errors():
    import asr

    from ivr.cli._common import user_errors

    return user_errors(asr.ASRError)
