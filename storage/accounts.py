"""People and systems that may call the API: users (password sign-in) and API keys.

Only hashes are stored: argon2 for passwords (hashed by the caller, api/security.py), SHA-256 for
API keys, which are long random secrets and need no slow hash. A key is shown once, when made.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

# supervisor: a court's president or division head, a committee's head (秘书长): reads its
# organisation's cases and those of every organisation below it, receives escalations, acts on none
# but assigns their waiting tasks to one of their people (api/assignments.py).
ROLES = ("court_clerk", "mediator", "judge", "auditor", "supervisor", "admin")
SCOPES = ("org", "province")  # province: an auditor who reads every organisation's cases


class UserRow(SQLModel, table=True):
    __tablename__ = "users"

    username: str = Field(primary_key=True, max_length=64)
    display_name: str = Field(default="", max_length=100)
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=32)
    org: str = Field(max_length=200)
    scope: str = Field(default="org", max_length=16)
    active: bool = True
    created_ts: float
    # Carried in every access token; raising it revokes the tokens issued before, at once.
    token_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ApiKeyRow(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64)
    role: str = Field(max_length=32)
    org: str = Field(max_length=200)
    scope: str = Field(default="org", max_length=16)
    active: bool = True
    created_ts: float


@dataclass(frozen=True)
class Account:
    """Who is calling: a user or an API key, with the role and organisation it acts for."""

    id: str  # username, or "key:<id>"
    name: str
    role: str
    org: str
    scope: str = "org"
    active: bool = True
    kind: str = "user"  # user | api_key
    token_version: int = 0


class AccountExists(Exception):
    pass


users_t = UserRow.__table__  # type: ignore[attr-defined]
keys_t = ApiKeyRow.__table__  # type: ignore[attr-defined]
KEY_PREFIX = "stk_"


def _account(row: Any) -> Account:
    name = row.display_name or row.username
    return Account(
        row.username,
        name,
        row.role,
        row.org,
        row.scope,
        row.active,
        token_version=row.token_version,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        SQLModel.metadata.create_all(engine, tables=[users_t, keys_t])

    # -- users -----------------------------------------------------------------------------

    def add_user(
        self,
        *,
        username: str,
        password_hash: str,
        role: str,
        org: str,
        display_name: str = "",
        scope: str = "org",
    ) -> Account:
        if role not in ROLES or scope not in SCOPES:
            raise ValueError(f"unknown role {role!r} or scope {scope!r}")
        values = {
            "username": username,
            "display_name": display_name,
            "password_hash": password_hash,
            "role": role,
            "org": org,
            "scope": scope,
            "active": True,
            "created_ts": time.time(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(users_t), [values])
        except IntegrityError as exc:
            raise AccountExists(username) from exc
        return Account(username, display_name or username, role, org, scope)

    def user(self, username: str) -> tuple[Account, str] | None:
        """The user and its password hash."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users_t).where(users_t.c.username == username)).first()
        if row is None:
            return None
        return _account(row), row.password_hash

    def users(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users_t).order_by(users_t.c.username)).all()
        return [_account(r) for r in rows]

    def active_people(self, org: str, roles: frozenset[str]) -> list[Account]:
        """The active users of an organisation with one of these roles (whom a task can be
        assigned to), by login."""
        stmt = (
            select(users_t)
            .where(users_t.c.org == org, users_t.c.role.in_(sorted(roles)), users_t.c.active)
            .order_by(users_t.c.username)
        )
        with self.engine.connect() as conn:
            return [_account(r) for r in conn.execute(stmt).all()]

    def display_names(self, usernames: set[str]) -> dict[str, str]:
        """The names people are shown under on the record (王书记员, not a login)."""
        if not usernames:
            return {}
        stmt = select(users_t.c.username, users_t.c.display_name).where(
            users_t.c.username.in_(sorted(usernames)), users_t.c.display_name != ""
        )
        with self.engine.connect() as conn:
            return {str(u): str(n) for u, n in conn.execute(stmt).all()}

    def token_alive(self, account: Account) -> bool:
        """Whether a token issued to this account still holds: the user exists, is active and
        nothing revoked its tokens since (one primary-key read)."""
        stmt = select(users_t.c.active, users_t.c.token_version).where(
            users_t.c.username == account.id
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return row is not None and bool(row[0]) and int(row[1]) == account.token_version

    def _change(self, username: str, **values: object) -> bool:
        """Change a user and revoke every token issued to it before."""
        stmt = (
            update(users_t)
            .where(users_t.c.username == username)
            .values(**values, token_version=users_t.c.token_version + 1)
        )
        with self.engine.begin() as conn:
            return bool(conn.execute(stmt).rowcount)

    def revoke_tokens(self, username: str) -> bool:
        return self._change(username)

    def set_password(self, username: str, password_hash: str) -> bool:
        return self._change(username, password_hash=password_hash)

    def set_active(self, username: str, active: bool) -> bool:
        return self._change(username, active=active)

    def update_user(
        self,
        username: str,
        *,
        role: str | None = None,
        org: str | None = None,
        scope: str | None = None,
        display_name: str | None = None,
    ) -> bool:
        if (role is not None and role not in ROLES) or (scope is not None and scope not in SCOPES):
            raise ValueError(f"unknown role {role!r} or scope {scope!r}")
        values = {"role": role, "org": org, "scope": scope, "display_name": display_name}
        return self._change(username, **{k: v for k, v in values.items() if v is not None})

    def delete_user(self, username: str) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(delete(users_t).where(users_t.c.username == username)).rowcount
            )

    # -- API keys --------------------------------------------------------------------------

    def add_key(self, *, name: str, role: str, org: str, scope: str = "org") -> tuple[Account, str]:
        """A new key and its secret (`stk_<id>_<secret>`), which is not stored."""
        if role not in ROLES or scope not in SCOPES:
            raise ValueError(f"unknown role {role!r} or scope {scope!r}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        values = {
            "id": key_id,
            "name": name,
            "secret_hash": _digest(secret),
            "role": role,
            "org": org,
            "scope": scope,
            "active": True,
            "created_ts": time.time(),
        }
        with self.engine.begin() as conn:
            conn.execute(insert(keys_t), [values])
        account = Account(f"key:{key_id}", name, role, org, scope, kind="api_key")
        return account, f"{KEY_PREFIX}{key_id}_{secret}"

    def key(self, presented: str) -> Account | None:
        """The active key a presented secret belongs to, else None."""
        if not presented.startswith(KEY_PREFIX):
            return None
        key_id, _, secret = presented.removeprefix(KEY_PREFIX).partition("_")
        if not key_id or not secret:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(keys_t).where(keys_t.c.id == key_id)).first()
        if row is None or not row.active:
            return None
        if not hmac.compare_digest(row.secret_hash, _digest(secret)):
            return None
        return Account(f"key:{row.id}", row.name, row.role, row.org, row.scope, kind="api_key")

    def api_keys(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(keys_t).order_by(keys_t.c.created_ts)).all()
        return [
            Account(f"key:{r.id}", r.name, r.role, r.org, r.scope, r.active, kind="api_key")
            for r in rows
        ]

    def revoke_key(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(keys_t).where(keys_t.c.id == key_id, keys_t.c.active).values(active=False)
            )
        return bool(result.rowcount)
