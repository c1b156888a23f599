"""Counting what reaches the reference target, for the benchmark: ``GET /_reference/stats`` -> {"requests": N}.

The path lies outside the API (``/api/v2``), so no contract test ever sees it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

STATS_PATH = "/_reference/stats"


class RequestCounter:
    """ASGI middleware counting every HTTP request but its own stats requests."""

    def __init__(self, app, counts: dict[str, int]):
        self.app = app
        self.counts = counts

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] != STATS_PATH:
            self.counts["requests"] += 1
        await self.app(scope, receive, send)


def stats_route(counts: dict[str, int]) -> Route:
    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(dict(counts))

    return Route(STATS_PATH, stats, methods=["GET"])
