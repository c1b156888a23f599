"""Which bearer tokens the reference target knows, what they may do, and the OAuth clients that get new ones."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from webchat_contract.reference.principals import Principal, Principals

# issued tokens kept at most (the oldest are forgotten first), and how long one is remembered after it expired
MAX_ISSUED = 10_000
KEEP_EXPIRED = 3600.0


@dataclass(frozen=True)
class Grant:
    """What a known token allows, and until when (``None``: a static token that never expires)."""

    permissions: frozenset[str]
    expires_at: float | None = None

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class Credentials:
    def __init__(self, principals: Principals, token_ttl: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.token_ttl = token_ttl
        self._clock = clock
        self._clients = [p for p in principals.values() if p.uses_client_credentials]
        self._grants: dict[str, Grant] = {
            p.token: Grant(frozenset(p.permissions)) for p in principals.values() if p.token is not None
        }

    def grant_for(self, token: str) -> Grant | None:
        """The grant of a token this target issued or was given; ``None`` for a token it does not know."""
        return self._grants.get(token)

    def issued_tokens(self) -> list[str]:
        """Every access token handed out and still known (for tests that look for leaked secrets)."""
        return [token for token, grant in self._grants.items() if grant.expires_at is not None]

    def is_expired(self, grant: Grant) -> bool:
        return grant.expired(self._clock())

    def client(self, client_id: str, client_secret: str) -> Principal | None:
        """The principal these client credentials belong to, or ``None``."""
        for principal in self._clients:
            # Compare both in constant time, so timing tells nothing about which part was wrong.
            id_ok = hmac.compare_digest(client_id.encode(), (principal.client_id or "").encode())
            secret_ok = hmac.compare_digest(client_secret.encode(), (principal.client_secret or "").encode())
            if id_ok and secret_ok:
                return principal
        return None

    def issue(self, principal: Principal) -> str:
        """A new access token carrying the principal's permissions, valid for ``token_ttl`` seconds."""
        token = secrets.token_urlsafe(32)
        self._evict()
        self._grants[token] = Grant(frozenset(principal.permissions), self._clock() + self.token_ttl)
        return token

    def _evict(self) -> None:
        """Forget tokens expired for a while, and the oldest issued ones past MAX_ISSUED: memory stays bounded
        however many tokens are asked for. A recently expired token is kept, to be answered `credentials.expired`
        rather than `bad.credentials`."""
        now = self._clock()
        issued = [token for token, grant in self._grants.items() if grant.expires_at is not None]
        stale = [token for token in issued if now >= (self._grants[token].expires_at or now) + KEEP_EXPIRED]
        kept = [token for token in issued if token not in set(stale)]
        oldest = kept[: max(len(kept) - MAX_ISSUED + 1, 0)]  # dicts keep the order tokens were issued in
        for token in [*stale, *oldest]:
            del self._grants[token]
