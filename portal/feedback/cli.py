"""The retention command: `flask --app app purge`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.feedback import service


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete feedback threads whose last message is older than the retention period."""
    days = service.retention_days()
    try:
        threads, messages = service.purge_old_threads(days)
    except ValueError as error:
        raise click.ClickException(f"PORTAL_FEEDBACK_RETENTION_DAYS: {error}.") from error
    click.echo(f"Deleted {threads} feedback threads and {messages} messages older than {days} days.")
