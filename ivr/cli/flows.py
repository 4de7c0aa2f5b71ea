"""``hotline flows check|show``: validate a flow file, print its menu tree."""

from __future__ import annotations

import click

from ivr.flow import Flow, FlowError, load_flow


@click.group()
def flows() -> None:
    """Check and show flow files (the hotline menu as YAML)."""


@flows.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(files: tuple[str, ...]) -> None:
    """Validate flow FILES; print every problem with its location, exit 1 if any."""
    failed = 0
    for path in files:
        try:
            flow = load_flow(path)
        except FlowError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(problem.format(path), err=True)
            click.echo(f"{path}: {len(exc.problems)} problem(s)", err=True)
            continue
        click.echo(f"{path}: ok (flow {flow.id}, {len(flow.nodes)} nodes, locales {', '.join(flow.locales)})")
    if failed:
        raise SystemExit(1)


def _tree(flow: Flow, node_id: str, locale: str, depth: int, seen: set[str]) -> list[str]:
    node = flow.node(node_id)
    prompt = (node.prompt or {}).get(locale, "")
    lines = [f"{'  ' * depth}{node_id} [{node.type}] {prompt}".rstrip()]
    if node_id in seen:
        return [lines[0] + " (see above)"]
    seen.add(node_id)
    for option in node.options:
        label = (option.label or {}).get(locale, "")
        pad = "  " * (depth + 1)
        if option.action == "goto":
            lines.append(f"{pad}{option.key}: {label} ->")
            lines.extend(_tree(flow, option.target, locale, depth + 2, seen))
        elif option.action == "route":
            lines.append(f"{pad}{option.key}: {label} => queue {option.route.skill} (intent {option.route.intent})")
        else:
            lines.append(f"{pad}{option.key}: {label} [{option.action}]")
    for follow in (node.next, node.on_found):
        if follow:
            lines.extend(_tree(flow, follow, locale, depth + 1, seen))
    if node.fallback:
        lines.append(f"{'  ' * (depth + 1)}on failure => queue {node.fallback.skill}")
    return lines


@flows.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--locale", default=None, help="Locale of the prompts to show (default: the flow's first).")
def show(file: str, locale: str | None) -> None:
    """Print the menu tree of FILE."""
    try:
        flow = load_flow(file)
    except FlowError as exc:
        raise click.ClickException(str(exc)) from exc
    locale = locale or flow.default_locale
    if locale not in flow.locales:
        raise click.BadParameter(f"{locale} is not one of {', '.join(flow.locales)}", param_hint="--locale")
    click.echo("\n".join(_tree(flow, flow.start, locale, 0, set())))
    globals_ = ", ".join(f"{o.key}={o.action}" for o in flow.global_options)
    click.echo(f"in every menu: {globals_}")
