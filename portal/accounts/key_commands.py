"""Console commands for the organisation key: `rotate-keys` and `recover-keys`.

Both ask for a secret on the console (never as an argument, which shells keep in their history)
and print a new recovery key, if any, once, to the person who ran them.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal import sealing
from portal.accounts import keys, sealed
from portal.accounts.models import User
from portal.security import verify_password

KEEP_IT = ("Print it or write it down now and keep it offline (a safe, a locked drawer). It is "
           "shown only now; with it and a copy of the database anyone can read every sealed record.")


def _admin(username: str) -> User:
    """An active admin account by name, or a clear error."""
    user = User.by_username(username)
    if user is None or not user.is_active or user.role != "admin":
        raise click.ClickException(f"{username} is not an active admin account.")
    return user


def _current_key(username: str | None) -> bytes:
    """The organisation private key, opened with an admin's password or the recovery key."""
    if username:
        user = _admin(username)
        password = click.prompt(f"Password of {user.username}", hide_input=True)
        private = keys.unlock(user, password) if verify_password(user.password_hash, password) else None
        if private is None:
            raise click.ClickException("That password does not open the organisation key.")
        return private
    try:
        return keys.open_with_recovery(click.prompt("Recovery key", hide_input=True))
    except sealing.SealingError as error:
        raise click.ClickException("That recovery key does not open the organisation key.") from error


@click.command("rotate-keys")
@with_appcontext
@click.option("--username", default=None,
              help="An admin whose password opens the key (without it, the recovery key is asked for).")
@click.option("--wait", default=5.0, show_default=True,
              help="Seconds to wait before re-sealing what requests sealed during the change.")
def rotate_keys_command(username: str | None, wait: float) -> None:
    """Make a new organisation key pair and re-seal every sealed record to it."""
    if keys.current_org_key() is None or not keys.is_claimed():
        raise click.ClickException("No admin holds the organisation key yet: log in as the first admin.")
    private = _current_key(username)
    try:
        generation, recovery_key, resealed = sealed.rotate(private, straggler_wait=wait)
    except sealing.SealingError as error:
        raise click.ClickException(f"Nothing was changed: {error}.") from error
    click.echo(f"The organisation key is now generation {generation}; {resealed} sealed values "
               "were re-sealed to it. Everyone who had access keeps it and must log in again.")
    click.echo(f"The new recovery key (the old one no longer works): {recovery_key}")
    click.echo(KEEP_IT)


@click.command("recover-keys")
@with_appcontext
@click.option("--username", required=True,
              help="The admin to give access again (after setting a new password by a reset link).")
def recover_keys_command(username: str) -> None:
    """Give an admin access to sealed records again with the recovery key."""
    user = _admin(username)
    try:
        keys.recover(user, click.prompt("Recovery key", hide_input=True))
    except sealing.SealingError as error:
        raise click.ClickException("That recovery key does not open the organisation key.") from error
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{user.username} can read sealed records again after logging in. From there, give "
               "access to the others on /staff/users.")
