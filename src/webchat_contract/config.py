"""The target configuration file (TOML): where the target is and which principals the suite may use.

Every mistake is reported as one :class:`ConfigError` line naming the file and the key.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from . import spec

ENV_VAR = "WEBCHAT_TARGET_CONFIG"
TARGET_KEYS = {
    "base_url", "token_url", "destructive", "timeout", "verify_tls", "max_requests_per_second", "max_response_bytes"
}  # fmt: skip
# the suite reads no more of any one answer (inflated), so no target can exhaust the runner's memory
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# CONTRACT.md section 4: the suite keeps its request rate bounded; on this machine's own loopback it need not be
DEFAULT_REMOTE_RATE = 10.0
CREDENTIAL_KEYS = ("token", "token_env", "client_id", "client_id_env")
PRINCIPAL_KEYS = {*CREDENTIAL_KEYS, "permissions", "client_secret", "client_secret_env"}
CLIENT_KEYS = ("client_id", "client_id_env")
# a shorter secret cannot be told apart from ordinary text when reports are redacted
MIN_SECRET_LENGTH = 8


class ConfigError(Exception):
    """A mistake in the target configuration; its message is the one line a person reads."""


@dataclass(frozen=True)
class Principal:
    name: str
    permissions: frozenset[str]
    token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)

    @property
    def uses_client_credentials(self) -> bool:
        return self.client_id is not None

    def holds(self, permission: str) -> bool:
        return permission in self.permissions

    def secrets(self) -> list[str]:
        return [s for s in (self.token, self.client_secret) if s]


@dataclass(frozen=True)
class TargetConfig:
    base_url: str
    token_url: str
    destructive: bool
    timeout: float
    verify_tls: bool
    principals: dict[str, Principal]
    source: str = "(embedded reference target)"
    max_requests_per_second: float | None = None  # None: unbounded
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @property
    def is_loopback(self) -> bool:
        return is_loopback_url(self.base_url)

    def secrets(self) -> list[str]:
        """Every secret value the configuration holds, for redaction: tokens, client secrets, and the Basic
        credentials (base64 of id:secret) that carry a client secret to the token endpoint."""
        found = [s for p in self.principals.values() for s in p.secrets()]
        for p in self.principals.values():
            if p.client_id is not None and p.client_secret:
                found.append(base64.b64encode(f"{p.client_id}:{p.client_secret}".encode()).decode("ascii"))
        return found


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_token_url(base_url: str) -> str:
    """The platform's login host for an API host: ``api.`` -> ``login.``, path ``/oauth/token``."""
    parts = urlsplit(base_url)
    host = parts.netloc
    if host.startswith("api."):
        host = "login." + host.removeprefix("api.")
    return urlunsplit((parts.scheme, host, "/oauth/token", "", ""))


class _Reader:
    """Reads typed keys out of one table of the file, naming file and key in every error."""

    def __init__(self, source: str, table: str, data: Any):
        self.source, self.table = source, table
        if not isinstance(data, dict):
            self.fail(f"[{table}] must be a table")
        self.data = data

    def fail(self, message: str):
        raise ConfigError(f"{self.source}: {message}")

    def where(self, key: str) -> str:
        return f"[{self.table}] {key}"

    def reject_unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(f"{self.where(key)}: unknown key (allowed: {', '.join(sorted(allowed))})")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                self.fail(f"{self.where(key)} is missing")
            return default
        value = self.data[key]
        # bool is an int in Python; a timeout of `true` is still a mistake
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
            names = " or ".join(t.__name__ for t in _as_tuple(kind))
            self.fail(f"{self.where(key)} must be {names}, not {type(value).__name__}")
        return value

    def env(self, key: str) -> str:
        name = self.get(key, str)
        value = os.environ.get(name)
        if not value:
            self.fail(f"{self.where(key)}: environment variable {name} is not set")
        return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _check_url(reader: _Reader, key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        reader.fail(f"{reader.where(key)} must be an http(s) URL, not {url!r}")
    return url.rstrip("/")


def _check_base_url(reader: _Reader, url: str) -> str:
    """The server's root: the suite adds the operations' paths (/api/v2/webchat/...) itself."""
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in url or "#" in url:
        root = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        reader.fail(
            f"{reader.where('base_url')} must be the server's root, without a path, query or fragment "
            f"(the suite adds /api/v2/webchat/... itself): write base_url = {root!r}, not {url!r}"
        )
    return url


def _read_principal(source: str, name: str, data: Any) -> Principal:
    reader = _Reader(source, f"principals.{name}", data)
    reader.reject_unknown(PRINCIPAL_KEYS)
    permissions = reader.get("permissions", list, required=True)
    known = spec.permissions()
    for permission in permissions:
        if permission not in known:
            reader.fail(f"{reader.where('permissions')}: unknown permission {permission!r} (known: {', '.join(known)})")
    credentials = [key for key in CREDENTIAL_KEYS if key in reader.data]
    if len(credentials) != 1:
        found = ", ".join(credentials) or "none"
        reader.fail(
            f"[principals.{name}] needs exactly one credential of token, token_env, client_id, client_id_env"
            f" (found: {found})"
        )
    kind = credentials[0]
    secret_keys = [key for key in ("client_secret", "client_secret_env") if key in reader.data]
    if kind in CLIENT_KEYS and len(secret_keys) != 1:
        reader.fail(f"[principals.{name}] {kind} needs exactly one of client_secret, client_secret_env")
    if kind not in CLIENT_KEYS and secret_keys:
        reader.fail(f"{reader.where(secret_keys[0])} only goes with client_id or client_id_env")
    if kind in ("token", "token_env"):
        token = reader.get("token", str) if kind == "token" else reader.env("token_env")
        return Principal(name, frozenset(permissions), token=_long_enough(reader, kind, token))
    secret = reader.get("client_secret", str) if secret_keys[0] == "client_secret" else reader.env("client_secret_env")
    secret = _long_enough(reader, secret_keys[0], secret)
    client_id = reader.get("client_id", str) if kind == "client_id" else reader.env("client_id_env")
    return Principal(name, frozenset(permissions), client_id=client_id, client_secret=secret)


def _long_enough(reader: _Reader, key: str, secret: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        reader.fail(
            f"{reader.where(key)}: a secret of fewer than {MIN_SECRET_LENGTH} characters cannot be redacted reliably"
        )
    return secret


def parse(text: str, source: str) -> TargetConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    top = _Reader(source, "(top level)", data)
    for key in data:
        if key not in ("target", "principals"):
            top.fail(f"unknown table [{key}] (allowed: [target], [principals.NAME])")
    if "target" not in data:
        top.fail("[target] table is missing")
    target = _Reader(source, "target", data["target"])
    target.reject_unknown(TARGET_KEYS)
    base_url = _check_base_url(target, _check_url(target, "base_url", target.get("base_url", str, required=True)))
    token_url = _check_url(target, "token_url", target.get("token_url", str, default_token_url(base_url)))
    timeout = target.get("timeout", (int, float), 10)
    if timeout <= 0:
        target.fail(f"{target.where('timeout')} must be a positive number of seconds")
    rate = target.get(
        "max_requests_per_second", (int, float), None if is_loopback_url(base_url) else DEFAULT_REMOTE_RATE
    )
    if rate is not None and rate <= 0:
        target.fail(f"{target.where('max_requests_per_second')} must be a positive number")
    max_response_bytes = target.get("max_response_bytes", int, DEFAULT_MAX_RESPONSE_BYTES)
    if max_response_bytes < 1024:
        target.fail(f"{target.where('max_response_bytes')} must be at least 1024")
    principals_table = _Reader(source, "principals", data.get("principals", {}))
    if not principals_table.data:
        top.fail("no principal configured: add at least one [principals.NAME] table")
    principals = {name: _read_principal(source, name, value) for name, value in principals_table.data.items()}
    return TargetConfig(
        base_url=base_url,
        token_url=token_url,
        # writing is allowed by default only on this machine's own loopback targets
        destructive=target.get("destructive", bool, is_loopback_url(base_url)),
        timeout=float(timeout),
        verify_tls=target.get("verify_tls", bool, True),
        principals=principals,
        source=source,
        max_requests_per_second=float(rate) if rate is not None else None,
        max_response_bytes=max_response_bytes,
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    return f"[{', '.join(_toml_value(item) for item in value)}]"


def _toml_key(name: str) -> str:
    return name if name and all(c.isascii() and (c.isalnum() or c in "-_") for c in name) else json.dumps(name)


def dumps(config: TargetConfig) -> str:
    """The TOML that ``parse`` reads back as ``config`` (source aside): the one writer of the format."""
    target = {
        "base_url": config.base_url,
        "token_url": config.token_url,
        "destructive": config.destructive,
        "timeout": config.timeout,
        "verify_tls": config.verify_tls,
        "max_requests_per_second": config.max_requests_per_second,
        "max_response_bytes": config.max_response_bytes,
    }
    if config.max_requests_per_second is None and not is_loopback_url(config.base_url):
        raise ValueError("an unbounded request rate cannot be written for a remote target")
    lines = ["[target]", *(f"{key} = {_toml_value(value)}" for key, value in target.items() if value is not None)]
    for principal in config.principals.values():
        permissions = [p for p in spec.permissions() if principal.holds(p)]
        credentials = {"token": principal.token, "client_id": principal.client_id}
        credentials["client_secret"] = principal.client_secret
        lines += ["", f"[principals.{_toml_key(principal.name)}]", f"permissions = {_toml_value(permissions)}"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in credentials.items() if value is not None]
    return "\n".join(lines) + "\n"


def load(path: str | os.PathLike[str]) -> TargetConfig:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the target config: {error.strerror}") from None
    return parse(text, str(path))
