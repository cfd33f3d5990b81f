"""Passwords (argon2), signed access tokens (JWT HS256, short-lived) and the signing secret.

The secret comes from SUITIAO_SECRET_KEY; without it one is generated once and kept in
var/secret_key (mode 0600), so tokens survive a restart and no secret lives in the code.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from storage.accounts import Account

ALGORITHM = "HS256"
ISSUER = "suitiao"
_hasher = PasswordHasher()
# Verified when the user does not exist, so sign-in takes as long for a wrong name as a wrong
# password and does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# One verification at a time per process: argon2 is built to cost CPU and 64 MiB each, and a
# burst of sign-ins (a guessing run before its address is throttled) must not take every core
# from the people working (bench/bench_sign_in.py). Sign-ins wait for each other instead.
_verifying = threading.Lock()


def verify_password(password_hash: str | None, password: str) -> bool:
    with _verifying:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


def load_secret(configured: str, state_dir: Path) -> str:
    if configured:
        return configured
    path = state_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


class Tokens:
    """Signed access tokens. `alive` (the account store's check) is asked on every read, so a
    token revoked by signing out, deactivation, deletion, a password or role change stops
    working at once rather than when it expires."""

    def __init__(
        self,
        secret: str,
        ttl_seconds: int = 15 * 60,
        alive: Callable[[Account], bool] | None = None,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("SUITIAO_SECRET_KEY must be at least 32 characters")
        self._secret = secret
        self.ttl = ttl_seconds
        self.alive = alive

    def issue(self, account: Account) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": account.id,
            "name": account.name,
            "role": account.role,
            "org": account.org,
            "scope": account.scope,
            "ver": account.token_version,
            "iat": now,
            "exp": now + self.ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def bind(self, purpose: str, text: str) -> str:
        """An HMAC of `text` under the signing secret, for values a browser must not forge."""
        message = f"{purpose}\n{text}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()

    def read(self, token: str) -> Account | None:
        """The account a valid, unexpired token was issued to; None otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        try:
            account = Account(
                id=str(claims["sub"]),
                name=str(claims.get("name", claims["sub"])),
                role=str(claims["role"]),
                org=str(claims["org"]),
                scope=str(claims.get("scope", "org")),
                token_version=int(claims.get("ver", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None
        if self.alive is not None and not self.alive(account):
            return None
        return account
