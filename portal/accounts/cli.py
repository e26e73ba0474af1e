"""The accounts command: `flask --app app create-user`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.accounts import service
from portal.accounts.models import User
from portal.roles import ROLES


@click.command("create-user")
@with_appcontext
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the person may do.")
@click.option("--username", default=None,
              help="A suggested user name (the person may keep it or choose their own).")
@click.option("--reset", is_flag=True, help="Issue a password reset link for an existing account.")
def create_user_command(role: str, username: str | None, reset: bool) -> None:
    """Print a one-time link with which someone sets their own password."""
    if reset:
        user = User.by_username(username or "")
        if user is None:
            raise click.ClickException("No account has that user name.")
        token = service.issue_link("reset", user.role, user=user)
    else:
        if username and User.by_username(username) is not None:
            raise click.ClickException("That user name is taken; use --reset to reset it.")
        token = service.issue_link("invite" if User.select().exists() else "setup", role,
                                   username=username)
    click.echo("Give this link to the person; it works once:")
    click.echo(f"  {service.link_for(token)}")
