"""Accounts and API tokens from the command line."""

from __future__ import annotations

import os
import secrets

import click
from flask.cli import AppGroup

from claims.cli.common import group, open_session, user_errors
from claims.models import Role
from claims.services.users import create_token, create_user, find_user

users_group = AppGroup("users", help="Manage accounts.")
tokens_group = AppGroup("tokens", help="Manage API tokens.")
group.add_command(users_group)
group.add_command(tokens_group)


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.REVIEWER.value,
    show_default=True,
)
@click.option(
    "--password",
    envvar="CLAIMS_NEW_PASSWORD",
    help="Defaults to $CLAIMS_NEW_PASSWORD, else you are prompted.",
)
def users_create(username: str, role: str, password: str | None) -> None:
    """Create an account."""
    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with open_session() as session, user_errors():
        user = create_user(session, username, password, role, actor="cli")
    click.echo(f"Created {user.username} ({user.role}).")


@users_group.command("ensure-admin")
@click.option("--username", default="admin", show_default=True)
def users_ensure_admin(username: str) -> None:
    """Create the demo admin once: password from $CLAIMS_ADMIN_PASSWORD, or generated and shown."""
    with open_session() as session:
        if find_user(session, username) is not None:
            click.echo(f"Admin account {username!r} exists; sign in with its password.")
            return
        password = os.environ.get("CLAIMS_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        with user_errors():
            create_user(session, username, password, Role.ADMIN, actor="cli")
    if os.environ.get("CLAIMS_ADMIN_PASSWORD"):
        click.echo(f"Created admin {username!r} with the password from $CLAIMS_ADMIN_PASSWORD.")
    else:
        click.echo(f"Created admin {username!r} with password: {password}  (shown only once)")


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650), help="Expire after this many days.")
def tokens_create(username: str, name: str, days: int | None) -> None:
    """Create an API token for a user and print it once."""
    with open_session() as session:
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"There is no user {username!r}.")
        with user_errors():
            _, secret = create_token(session, user, name, actor="cli", days=days)
    click.echo(secret)
