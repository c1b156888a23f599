"""The settings as found before the suite's first change, and how they are put back in that shape."""

from __future__ import annotations

import contextlib
from typing import Any

from . import spec
from .checks import success_violations
from .client import ApiClient, TargetError
from .operations import DELETE_SETTINGS, GET_SETTINGS, PUT_SETTINGS
from .transport import json_or_none
from .violations import SUCCESS, raise_if_any, violation


class SettingsGuard:
    """Remembers the settings as found before the suite's first change and puts them back in that shape."""

    def __init__(self, reader: ApiClient, writer: ApiClient | None, remover: ApiClient | None):
        self.reader, self.writer, self.remover = reader, writer, remover
        self.original: dict[str, Any] | None = None

    def current(self) -> dict[str, Any]:
        """The settings now, in whatever shape (null values included: the tests of the settings judge that);
        ContractViolation (with the exchange) when the target answers no settings object."""
        response = self.reader.get(GET_SETTINGS.path)
        found, body = success_violations(response, GET_SETTINGS)
        if isinstance(body, dict) and 200 <= response.status_code < 300:
            return body
        raise_if_any(found or [violation(SUCCESS, "the settings are not a JSON object", response)])
        return {}  # unreachable

    def remember(self) -> None:
        """Read the settings as found, once (a ContractViolation when they cannot be read)."""
        if self.original is not None:
            return
        body = self.current()
        # null values and absent fields are part of the shape found: kept as they are
        self.original = {key: body[key] for key in spec.writable_fields("WebChatSettings") if key in body}

    def restore(self) -> bool:
        """Put the settings back; True when they read back as found."""
        if self.original is None:
            return True
        present = {key: value for key, value in self.original.items() if value is not None}
        with contextlib.suppress(TargetError):
            if present and self.writer is not None:
                self.writer.put(PUT_SETTINGS.path, self.original)
            elif self.remover is not None:
                # nothing set (or only nulls): DELETE is how the contract clears the settings
                self.remover.delete(DELETE_SETTINGS.path)
            if self.as_found():
                return True
            if not present and self.writer is not None:
                # a DELETE that clears nothing: false reads as absent (CONTRACT.md: "absent or false")
                self.writer.put(PUT_SETTINGS.path, dict.fromkeys(spec.writable_fields("WebChatSettings"), False))
            return self.as_found()
        return False

    def as_found(self) -> bool:
        body = json_or_none(self.reader.get(GET_SETTINGS.path))
        if not isinstance(body, dict) or self.original is None:
            return False
        return all(
            _same_setting(self.original.get(key), body.get(key)) for key in spec.writable_fields("WebChatSettings")
        )

    def left_as(self) -> str:
        """What the settings are now, for the report when they could not be restored."""
        with contextlib.suppress(TargetError):
            response = self.reader.get(GET_SETTINGS.path)
            return f"{response.status_code} {response.text[:200]!r}"
        return "unknown (the target did not answer)"


def _same_setting(found: Any, now: Any) -> bool:
    # absent, null and false read the same after a DELETE (CONTRACT.md: "absent or false")
    return found == now or (not found and not now and found in (None, False) and now in (None, False))
