"""Last line of defence for secrets in test reports.

The client already keeps credentials out of the exchanges it records; a failure message can still quote what a
target answered, and a target may echo a header back. Every report is checked here before any output sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

REDACTED = "[REDACTED]"
# an Authorization value wherever it is quoted: "Bearer <token>" or "Basic <credentials>"; [REDACTED] and
# schemathesis's [Filtered] are left alone
_AUTHORIZATION_VALUE = re.compile(r"\b(Bearer|Basic)(\s+)(?!\[)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)


class Redactor:
    """Replaces known secret values and Authorization values in text."""

    def __init__(self, secrets: Iterable[str] = (), also: Callable[[str], str] | None = None):
        # longest first, so a secret that contains another is replaced whole
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self.also = also  # another redaction to apply first (a transcript's, knowing the tokens handed out)

    def __call__(self, text: str) -> str:
        if self.also is not None:
            text = self.also(text)
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _AUTHORIZATION_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)

    def leaks(self, text: str) -> bool:
        return self(text) != text
