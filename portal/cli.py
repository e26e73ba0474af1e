"""Commands beyond the database ones: create-user and demo."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from portal.accounts import service as accounts
from portal.accounts.models import User
from portal.security import ROLES


@click.command("create-user")
@with_appcontext
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the person may do.")
@click.option("--username", default=None, help="Their user name (they choose it when left out).")
@click.option("--reset", is_flag=True, help="Issue a password reset link for an existing account.")
def create_user_command(role: str, username: str | None, reset: bool) -> None:
    """Print a one-time link with which someone sets their own password."""
    if reset:
        user = User.by_username(username or "")
        if user is None:
            raise click.ClickException("No account has that user name.")
        token = accounts.issue_link("reset", user.role, user=user)
    else:
        if username and User.by_username(username) is not None:
            raise click.ClickException("That user name is taken; use --reset to reset it.")
        token = accounts.issue_link("invite" if User.select().exists() else "setup", role,
                                    username=username)
    click.echo("Give this link to the person; it works once:")
    click.echo(f"  {accounts.link_for(token)}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Fill the portal with sample data so a newcomer sees it working."""
    from portal.demo import fill_demo_data

    for line in fill_demo_data():
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
