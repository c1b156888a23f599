"""The one redaction step every byte the suite writes goes through (terminal, reports, results, journal, logs).

It knows every secret of the run: configured tokens and client secrets, the Basic credentials built from them, and
the access tokens handed out during the run (added as they are fetched). Text is often cut short before it is
written (an excerpt of a body, a message), and a cut may fall inside a secret; so not only whole secrets are
replaced, but every stretch of text made of pieces of one: any run of at least ``MIN_PIECE`` characters that
occurs in a secret. It also replaces any ``Bearer``/``Basic`` value, whatever it is.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

REDACTED = "[REDACTED]"
# headers whose values are credentials: never shown, whatever they hold
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key")
# no piece of a secret this long or longer survives (config.MIN_SECRET_LENGTH keeps secrets at least this long)
MIN_PIECE = 8
# an Authorization value wherever it is quoted: "Bearer <token>" or "Basic <credentials>"; [REDACTED] and
# schemathesis's [Filtered] are left alone
_AUTHORIZATION_VALUE = re.compile(r"\b(Bearer|Basic)(\s+)(?!\[)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)


class Redactor:
    """Replaces known secrets, any piece of one of ``MIN_PIECE`` characters or more, and Authorization values."""

    def __init__(self, secrets: Iterable[str] = (), also: Callable[[str], str] | None = None):
        self.also = also  # another redaction to apply first (a transcript's, knowing the tokens handed out)
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._short: list[str] = []  # secrets too short to be cut into pieces: replaced whole
        self._pieces: set[str] = set()
        self._runs: re.Pattern[str] | None = None
        self.add(secrets)

    @property
    def secrets(self) -> list[str]:
        return sorted(self._secrets, key=len, reverse=True)

    def add(self, secrets: Iterable[str]) -> None:
        """Learn more secrets (an access token just fetched)."""
        new = {s for s in secrets if s} - self._secrets
        if not new:
            return
        with self._lock:
            self._secrets |= new
            for secret in new:
                if len(secret) < MIN_PIECE:
                    self._short.append(secret)
                else:
                    self._pieces.update(secret[i : i + MIN_PIECE] for i in range(len(secret) - MIN_PIECE + 1))
            self._short.sort(key=len, reverse=True)
            characters = sorted({c for piece in self._pieces for c in piece})
            self._runs = re.compile(f"[{''.join(map(re.escape, characters))}]{{{MIN_PIECE},}}") if characters else None

    def __call__(self, text: str) -> str:
        if self.also is not None:
            text = self.also(text)
        for secret in self._short:
            text = text.replace(secret, REDACTED)
        if self._runs is not None:
            text = self._runs.sub(self._redact_run, text)
        return _AUTHORIZATION_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)

    def _redact_run(self, match: re.Match[str]) -> str:
        """A run of characters that secrets are made of: every part covered by pieces of a secret goes."""
        run = match.group(0)
        covered_until = -1
        spans: list[list[int]] = []
        for start in range(len(run) - MIN_PIECE + 1):
            if run[start : start + MIN_PIECE] in self._pieces:
                if spans and start <= covered_until:
                    spans[-1][1] = start + MIN_PIECE
                else:
                    spans.append([start, start + MIN_PIECE])
                covered_until = start + MIN_PIECE
        if not spans:
            return run
        out, last = [], 0
        for start, end in spans:
            out += [run[last:start], REDACTED]
            last = end
        out.append(run[last:])
        return "".join(out)

    def leaks(self, text: str) -> bool:
        return self(text) != text


def redact_json(value: Any, redact: Callable[[str], str]) -> Any:
    """``value`` (JSON data) with every string in it, keys included, redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_json(key, redact): redact_json(item, redact) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(item, redact) for item in value]
    return value


def redact_in_place(value: Any, redact: Callable[[str], str], depth: int = 0) -> Any:
    """``value`` with every string in it redacted; dataclass instances (pytest's failure representations) are
    changed in place, so they keep their structure (the crash message a report's first line comes from)."""
    if depth > 20:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_in_place(item, redact, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_in_place(item, redact, depth + 1) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            object.__setattr__(value, field.name, redact_in_place(getattr(value, field.name), redact, depth + 1))
    return value
