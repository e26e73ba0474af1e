"""What a copy of the instance folder, the database or a backup gives away: files only the
server's user can read (whatever the umask), and second-factor secrets encrypted with a key that
is not in the database."""
from __future__ import annotations

import dataclasses
import os
import stat

import pyotp
import pytest
from support.config import POSTGRES_URL, TEST_PASSWORD, portal_config

from portal import create_app, migrations
from portal.accounts.models import TOTP_PURPOSE, User
from portal.areas import load_areas
from portal.clock import utc_now
from portal.db import close_pool, db
from portal.sealing import SealingError, decrypt_with_app_key
from portal.security import hash_password


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


# --- files -------------------------------------------------------------------------------------

def test_a_first_start_makes_a_private_instance_folder_and_database(tmp_path, umask_022):
    instance = tmp_path / "instance"
    app = create_app({**portal_config(tmp_path), "INSTANCE_PATH": str(instance),
                      "DATABASE_URL": f"sqlite:///{instance / 'portal.sqlite'}"})
    app.test_client().post("/feedback", data={"message": "Kept in a private file."})
    database = instance / "portal.sqlite"
    assert mode(instance) == 0o700
    # the generated secret key too: with it, receipts and limiter keys could be checked offline
    for path in (database, instance / "portal.sqlite-wal", instance / "portal.sqlite-shm",
                 instance / "secret_key"):
        assert path.exists() and mode(path) == 0o600, path
    close_pool()


def test_a_database_folder_of_its_own_is_private_too(tmp_path, umask_022, monkeypatch):
    """With the secret key given by the environment and the database in a folder of its own,
    the portal still makes that folder one only the server's user may enter."""
    monkeypatch.setenv("PORTAL_SECRET_KEY", "a-key-from-the-environment-" + "x" * 32)
    folder = tmp_path / "data"
    app = create_app({**portal_config(tmp_path), "INSTANCE_PATH": str(tmp_path / "instance"),
                      "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite'}"})
    app.test_client().post("/feedback", data={"message": "Kept in a private folder."})
    assert mode(folder) == 0o700
    assert mode(folder / "portal.sqlite") == 0o600
    close_pool()


def test_an_older_world_readable_database_is_made_private(tmp_path, umask_022):
    database = tmp_path / "old.sqlite"
    database.touch(mode=0o644)
    create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{database}"))
    assert mode(database) == 0o600
    close_pool()


def test_backups_and_restores_are_private(tmp_path, umask_022):
    app = create_app(portal_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'live.sqlite'}"))
    app.test_client().post("/feedback", data={"message": "Backed up privately."})
    runner = app.test_cli_runner()
    backup = tmp_path / "backups" / "b.sqlite"
    backup.parent.mkdir()
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    assert mode(backup) == 0o600
    assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
    assert mode(tmp_path / "live.sqlite") == 0o600
    close_pool()


# --- second-factor secrets ---------------------------------------------------------------------

def raw_secret(user_id: int) -> str:
    return db.execute_sql(f'SELECT totp_secret FROM "user" WHERE id = {int(user_id)}').fetchone()[0]


def test_a_second_factor_secret_is_stored_encrypted_and_login_still_works(app, client, auth,
                                                                          make_user, query):
    admin = make_user("admin")
    stored = query(lambda: raw_secret(admin.id))
    assert admin.totp_secret not in stored and stored != admin.totp_secret
    # the key is derived from the secret key, which is not in the database
    assert decrypt_with_app_key(stored, app.config["SECRET_KEY"], TOTP_PURPOSE) == admin.totp_secret
    with pytest.raises(SealingError):
        decrypt_with_app_key(stored, "another-secret-key", TOTP_PURPOSE)
    assert query(lambda: User.get_by_id(admin.id).totp_secret) == admin.totp_secret
    response = auth.login(admin)
    assert response.status_code == 302 and response.location.endswith("/staff/")


def test_setting_up_the_second_factor_stores_it_encrypted(app, client, auth, make_user, query):
    staff = make_user("staff")
    auth.login(staff)
    secret = pyotp.random_base32()
    response = client.post("/account/two-factor", data={"secret": secret,
                                                       "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    assert secret not in query(lambda: raw_secret(staff.id))
    assert query(lambda: User.get_by_id(staff.id).totp_enabled)


def test_the_upgrade_encrypts_secrets_kept_in_the_clear(tmp_path):
    """An install at accounts schema 2 (secrets in the clear) upgrades in place."""
    config = portal_config(tmp_path, AUTO_INIT_DB=False)
    app = create_app(config)
    areas = load_areas()
    old = [dataclasses.replace(area, migrations=area.migrations[:2]) if area.name == "accounts" else area
           for area in areas]
    secret = pyotp.random_base32()
    with app.app_context():
        migrations.migrate(old)
        with db.connection_context():
            db.execute_sql(
                'INSERT INTO "user" (username, display_name, role, password_hash, is_active, '
                "session_version, totp_secret, totp_enabled, totp_last_step, created_on) "
                "VALUES ('old-admin', '', 'admin', %s, %s, 1, %s, %s, 0, %s)".replace(
                    "%s", "?" if not POSTGRES_URL else "%s"),
                (hash_password(TEST_PASSWORD), True, secret, True, utc_now().date()))
        report = migrations.migrate(areas)
        latest = next(a for a in areas if a.name == "accounts").migrations[-1][0]
        assert report["accounts"] == (2, latest)
        with db.connection_context():
            user = User.get(User.username == "old-admin")
            assert user.totp_secret == secret
            assert secret not in raw_secret(user.id)
    client = app.test_client()
    first = client.post("/login", data={"username": "old-admin", "password": TEST_PASSWORD})
    assert first.location.endswith("/login/verify")
    second = client.post("/login/verify", data={"code": pyotp.TOTP(secret).now()})
    # logged in; as the first admin since the upgrade, shown the organisation's recovery key once
    assert second.status_code == 200 and "recovery-key" in second.get_data(as_text=True)
    assert client.get("/staff/").status_code == 200
    close_pool()
