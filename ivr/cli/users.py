"""``hotline users add|passwd|disable|enable|list``: accounts of the QA web app (/qa)."""

from __future__ import annotations

import sys

import click

from ivr.cli._common import open_store, settings_from, user_errors
from qa.store import StoreError, UserStore
from qa.store.users import ROLES


def _password(from_stdin: bool) -> str:
    """From the terminal (hidden, typed twice) or one line of stdin (scripts: ``--password-stdin``)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _users(ctx: click.Context) -> UserStore:
    with user_errors(StoreError):
        return UserStore(open_store(settings_from(ctx)))


@click.group()
def users() -> None:
    """Accounts of the QA review web app (roles: reviewer, supervisor, admin)."""


@users.command()
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reviewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.pass_context
def add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account (asks for its password)."""
    from qa.web.accounts import hash_password

    store = _users(ctx)
    with user_errors(StoreError, ValueError):
        store.add(name, hash_password(_password(password_stdin)), role)
    click.echo(f"user {name} added ({role})")


@users.command()
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.pass_context
def passwd(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Set a new password (also unlocks a name locked by failed log-ins)."""
    from qa.web.accounts import hash_password

    store = _users(ctx)
    with user_errors(StoreError, ValueError):
        store.update(name, password_hash=hash_password(_password(password_stdin)))
        store.login_succeeded(name)
    click.echo(f"password of {name} changed")


def _set_active(ctx: click.Context, name: str, active: bool) -> None:
    with user_errors(StoreError):
        _users(ctx).update(name, active=active)
    click.echo(f"user {name} {'enabled' if active else 'disabled'}")


@users.command()
@click.argument("name")
@click.pass_context
def disable(ctx: click.Context, name: str) -> None:
    """Stop an account from logging in (its sessions end at their next request)."""
    _set_active(ctx, name, False)


@users.command()
@click.argument("name")
@click.pass_context
def enable(ctx: click.Context, name: str) -> None:
    """Let a disabled account log in again."""
    _set_active(ctx, name, True)


@users.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Accounts with role, status and last log-in."""
    for user in _users(ctx).list():
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(f"{user.name:<20} {user.role:<10} {'active' if user.active else 'disabled':<8} last login {last}")
