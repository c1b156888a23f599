"""How the suite's requests look on the wire: as the platform's official SDKs send them, or the bare minimum.

CONTRACT.md section 1: every SDK request carries ``Content-Type: application/json`` and ``Accept: application/json``,
bodiless GET and DELETE included, plus ``purecloud-sdk`` and a ``User-Agent``; a target MUST serve it. The client,
the client-headers tests and the SDK suite take these facts from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JSON = "application/json"
# PureCloudPlatformClientV2, the last release that carries WebChatApi (the ``sdk`` extra pins it)
SDK_VERSION = "257.1.0"
SDK_USER_AGENT = "PureCloud SDK/python"
# Statuses with which a target may refuse a bodiless request for its Content-Type or its extra headers. The client
# then sends it again in the minimal shape, so that refusal is judged once, by WC-REQ-CLIENT-HEADERS, and not again
# by every test that happened to read something.
SHAPE_REFUSALS = frozenset({400, 406, 415})


@dataclass(frozen=True)
class Shape:
    name: str
    headers: dict[str, str] = field(hash=False)  # sent on every request
    content_type_always: bool  # Content-Type also on a request without a body

    def headers_for(self, has_body: bool) -> dict[str, str]:
        headers = dict(self.headers)
        if has_body or self.content_type_always:
            headers["Content-Type"] = JSON
        return headers


SDK = Shape("sdk", {"Accept": JSON, "purecloud-sdk": SDK_VERSION, "User-Agent": SDK_USER_AGENT}, True)
MINIMAL = Shape("minimal", {"Accept": JSON}, False)
# what the suite's client sends unless a test asks for a shape: what real clients send
DEFAULT = SDK


def refused_for_its_shape(shape: Shape, has_body: bool, status: int) -> bool:
    """Whether a refusal may be about the headers an SDK-shaped bodiless request carries (worth one minimal retry)."""
    return shape.content_type_always and not has_body and status in SHAPE_REFUSALS
