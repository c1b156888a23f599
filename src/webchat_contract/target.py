"""The target under test as the suites see it: its configuration, a client per principal, a transcript."""

from __future__ import annotations

from .auth import TokenSource
from .client import ApiClient
from .config import Principal, TargetConfig
from .reporting.redact import Redactor
from .transcript import Transcript
from .transport import BoundedSession, RateLimiter, TargetSession


class Target:
    def __init__(self, config: TargetConfig):
        self.config = config
        # knows every secret of the run: the configured ones, and each token as it is fetched
        self.redactor = Redactor(config.secrets())
        self.transcript = Transcript(redactor=self.redactor)
        # one bound for the whole run: the suite's own requests and the generated ones alike
        self.limiter = RateLimiter(config.max_requests_per_second)
        self._tokens = {
            name: TokenSource(p, config.token_url, config.timeout, config.verify_tls, config.max_response_bytes)
            for name, p in config.principals.items()
        }
        # every request of the run to the target goes through this session (the generated ones too): limited,
        # recorded, its principal's token refreshed
        self.session = TargetSession(
            config.timeout,
            max_bytes=config.max_response_bytes,
            verify=config.verify_tls,
            transcript=self.transcript,
            limiter=self.limiter,
            tokens=self._tokens.values(),
        )
        # for what is not the target (an SDK's own token request): bounded, neither limited nor recorded
        self.outside_session = BoundedSession(
            config.timeout, max_bytes=config.max_response_bytes, verify=config.verify_tls
        )
        self._clients: dict[str | None, ApiClient] = {}

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def principals(self) -> list[Principal]:
        return list(self.config.principals.values())

    def client(self, principal: str | Principal | None) -> ApiClient:
        """A client acting as ``principal`` (its name or itself); ``None`` for one that sends no credentials."""
        name = principal.name if isinstance(principal, Principal) else principal
        if name not in self._clients:
            tokens = self._tokens[name] if name is not None else None
            self._clients[name] = ApiClient(
                self.base_url,
                timeout=self.config.timeout,
                verify_tls=self.config.verify_tls,
                transcript=self.transcript,
                tokens=tokens,
                session=self.session,
            )
        return self._clients[name]

    def secrets(self) -> list[str]:
        """Every secret this run holds: configured tokens and client secrets, and the tokens fetched so far."""
        return self.transcript.secrets()

    def anonymous(self) -> ApiClient:
        return self.client(None)

    def token_of(self, principal: Principal) -> str:
        """The bearer token of a principal (fetched if needed); never to be written anywhere."""
        token = self._tokens[principal.name].token()
        self.transcript.add_secrets([token])
        return token

    def holding(self, *permissions: str) -> list[Principal]:
        """Principals that hold every one of ``permissions``, those with the most permissions first."""
        found = [p for p in self.principals if all(p.holds(perm) for perm in permissions)]
        return sorted(found, key=lambda p: (-len(p.permissions), p.name))

    def lacking(self, permission: str) -> list[Principal]:
        """Principals that do not hold ``permission``, those holding the most others first."""
        found = [p for p in self.principals if not p.holds(permission)]
        return sorted(found, key=lambda p: (-len(p.permissions), p.name))

    def first_holding(self, *permissions: str) -> Principal | None:
        found = self.holding(*permissions)
        return found[0] if found else None
