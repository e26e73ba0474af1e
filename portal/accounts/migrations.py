"""Schema steps of the accounts area, each with frozen copies of the models of its time.

Never edit a released step: add a new one. The frozen models below are not the live ones, so a
column added to `User` later cannot change what step 1 creates.
"""
from __future__ import annotations

import secrets

from flask import current_app
from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    Table,
)
from playhouse.migrate import SchemaMigrator, migrate

from portal.db import db, is_sqlite
from portal.sealing import encrypt_with_app_key

AUDIT_ID_SPAN = 2**31 - 1


def _v1_accounts() -> None:
    """Accounts, one-time links, recovery codes and the audit trail."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        username = CharField(max_length=64, unique=True)
        display_name = CharField(max_length=100, default="")
        role = CharField(max_length=16)
        password_hash = CharField(max_length=255, default="")
        is_active = BooleanField(default=True)
        session_version = IntegerField(default=1)
        totp_secret = CharField(max_length=64, null=True)
        totp_enabled = BooleanField(default=False)
        totp_last_step = IntegerField(default=0)
        created_on = DateField()

    class OneTimeLink(Base):
        token_hash = CharField(max_length=64, unique=True)
        purpose = CharField(max_length=16)
        role = CharField(max_length=16)
        username = CharField(max_length=64, null=True)
        user = ForeignKeyField(User, null=True, on_delete="CASCADE")
        created_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

        class Meta:
            table_name = "one_time_link"

    class RecoveryCode(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        code_hash = CharField(max_length=64)
        used_at = DateTimeField(null=True)

        class Meta:
            table_name = "recovery_code"

    class AuditEntry(Base):
        actor = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        action = CharField(max_length=64)
        detail = CharField(max_length=255, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "audit_entry"

    db.create_tables([User, OneTimeLink, RecoveryCode, AuditEntry])


def _v2_audit_subject() -> None:
    """Audit entries name a record by number from a fixed vocabulary, never in free text."""
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(
        migrator.add_column("audit_entry", "subject_id", IntegerField(null=True)),
        migrator.drop_column("audit_entry", "detail"),
    )


def _v3_encrypted_totp_secrets() -> None:
    """Second-factor secrets are stored encrypted with a key derived from the secret key (so not
    in the database); the column grows to hold them. Existing secrets are encrypted in place."""

    class User(Model):
        totp_secret = CharField(max_length=64, null=True)
        sealed = CharField(max_length=255, null=True, column_name="totp_secret_sealed")

        class Meta:
            database = db
            table_name = "user"

    migrator = SchemaMigrator.from_database(db.obj)
    migrate(migrator.add_column("user", "totp_secret_sealed", CharField(max_length=255, null=True)))
    secret_key = current_app.config["SECRET_KEY"]
    plain = User.select(User.id, User.totp_secret).where(User.totp_secret.is_null(False)).tuples()
    for user_id, secret in list(plain):
        sealed = encrypt_with_app_key(secret, secret_key, "totp-secret")
        User.update(sealed=sealed).where(User.id == user_id).execute()
    # a new column, then the old one dropped: rebuilding the table would cascade into the links
    migrate(migrator.drop_column("user", "totp_secret"),
            migrator.rename_column("user", "totp_secret_sealed", "totp_secret"))


def _v4_pending_login_and_audit_numbers() -> None:
    """A server-side turn for pending logins; audit subjects as big as public ids; random audit
    row numbers, so a row kept with the day only cannot be placed between two timed ones."""
    # a plain ALTER on both engines: the user table is never rebuilt
    db.execute_sql('ALTER TABLE "user" ADD COLUMN "pending_login" INTEGER NOT NULL DEFAULT 0')
    migrator = SchemaMigrator.from_database(db.obj)
    migrate(migrator.alter_column_type("audit_entry", "subject_id", BigIntegerField(null=True)))
    audit = Table("audit_entry", ("id",)).bind(db)
    old = [row["id"] for row in audit.select(audit.id)]
    taken = set(old)
    for number in old:
        fresh = secrets.randbelow(AUDIT_ID_SPAN) + 1
        while fresh in taken:
            fresh = secrets.randbelow(AUDIT_ID_SPAN) + 1
        taken.add(fresh)
        audit.update(id=fresh).where(audit.id == number).execute()



def _v5_sealing_keys() -> None:
    """The organisation key, accounts' own key pairs, their grants, and keys held for invitations."""

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        # only to name the foreign key's table
        class Meta:
            table_name = "user"

    class OneTimeLink(Base):
        class Meta:
            table_name = "one_time_link"

    class OrgKey(Base):
        generation = IntegerField(unique=True)
        public_key = BlobField()
        recovery_wrap = BlobField(null=True)
        pending_wrap = BlobField(null=True)
        created_on = DateField()

        class Meta:
            table_name = "org_key"

    class AccountKey(Base):
        user = ForeignKeyField(User, unique=True, backref="+", on_delete="CASCADE")
        public_key = BlobField()
        wrapped_private = BlobField()

        class Meta:
            table_name = "account_key"

    class KeyGrant(Base):
        user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
        generation = IntegerField()
        sealed_key = BlobField()
        granted_on = DateField()

        class Meta:
            table_name = "key_grant"
            indexes = ((("user", "generation"), True),)

    class LinkGrant(Base):
        link = ForeignKeyField(OneTimeLink, unique=True, backref="+", on_delete="CASCADE")
        wrapped_key = BlobField()

        class Meta:
            table_name = "link_grant"

    db.create_tables([OrgKey, AccountKey, KeyGrant, LinkGrant])


def _v6_complaint_readers() -> None:
    """Whom an admin names to read complaints kept from the rest of the team."""
    # a plain ALTER on both engines: the user table is never rebuilt
    kind = "INTEGER NOT NULL DEFAULT 0" if is_sqlite() else "BOOLEAN NOT NULL DEFAULT FALSE"
    db.execute_sql(f'ALTER TABLE "user" ADD COLUMN "handles_complaints" {kind}')


MIGRATIONS = (
    (1, _v1_accounts),
    (2, _v2_audit_subject),
    (3, _v3_encrypted_totp_secrets),
    (4, _v4_pending_login_and_audit_numbers),
    (5, _v5_sealing_keys),
    (6, _v6_complaint_readers),
)
