"""The one way the suite talks HTTP to a target: a ``requests.Session`` that cannot be made to read without bound,
and, for the run's requests to the target, one that also keeps to the rate limit, records each exchange and
refreshes an expired token (``TargetSession``: the explicit tests' client and schemathesis both send through it).

Every response is read here, in full, before anyone looks at it: at most ``max_bytes`` (inflated bytes, when the
target compresses), within an overall deadline, so a body that never ends, a body dripped a byte at a time or a
gzip bomb ends the exchange in bounded time and memory. 429 answers with a short ``Retry-After`` are waited out
within a small budget. Credentials never follow a redirect to another origin.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import HTTPError as Urllib3Error

from .config import DEFAULT_MAX_RESPONSE_BYTES
from .transcript import Transcript

# the whole of one exchange (connect, headers, body) may take this many times the configured timeout
DEADLINE_FACTOR = 3
CHUNK_BYTES = 64 * 1024
# 429 with Retry-After is waited out, at most this long in all for one request, each wait at most MAX_RETRY_AFTER
RETRY_BUDGET_SECONDS = 30.0
MAX_RETRY_AFTER = 10.0
MAX_RETRIES = 5
# only encodings this module can inflate within the cap
ACCEPT_ENCODING = "gzip, deflate"


class TargetError(Exception):
    """The suite could not talk to the target (unreachable, timed out, throttled past the budget, over-size)."""


class ResponseTooLarge(TargetError):
    """The answer's body went past the size cap (an endless body, a compression bomb)."""


class ResponseTooSlow(TargetError):
    """The answer did not arrive in full within the exchange's deadline (a body dripped out)."""


def exchange_name(method: str, url: str) -> str:
    return f"{method.upper()} {url}"


class _Inflater:
    """Decodes a Content-Encoding incrementally, never producing more than asked for."""

    def __init__(self, encoding: str):
        encoding = encoding.strip().lower()
        # 47: gzip or zlib header, detected; deflate is zlib-wrapped by the standard, raw by some servers
        self._wbits = {"gzip": 47, "x-gzip": 47, "deflate": 15}.get(encoding)
        self._decoder = zlib.decompressobj(self._wbits) if self._wbits else None
        self._tried_raw = False

    @property
    def active(self) -> bool:
        return self._decoder is not None

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to ``room`` inflated bytes of ``data`` (and of what earlier calls left unconsumed)."""
        assert self._decoder is not None and self._wbits is not None
        data = self._decoder.unconsumed_tail + data
        try:
            out = self._decoder.decompress(data, room)
        except zlib.error:
            if self._wbits == 15 and not self._tried_raw:  # a raw deflate stream, as some servers send
                self._tried_raw = True
                self._decoder = zlib.decompressobj(-15)
                return self.feed(data, room)
            raise requests.exceptions.ContentDecodingError(
                "the body does not inflate as its Content-Encoding says"
            ) from None
        if self._decoder.eof and self._decoder.unused_data.strip(b"\0"):  # gzip allows members one after another
            rest = self._decoder.unused_data
            self._decoder = zlib.decompressobj(self._wbits)
            out += self.feed(rest, room - len(out)) if room > len(out) else b""
        return out

    def pending(self) -> bool:
        return bool(self._decoder is not None and self._decoder.unconsumed_tail)


class BoundedSession(requests.Session):
    """A session whose every response is already read, within ``max_bytes`` and ``timeout * DEADLINE_FACTOR``."""

    def __init__(self, timeout: float = 10.0, max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, verify: bool = True):
        super().__init__()
        self.default_timeout = timeout
        self.max_bytes = max_bytes
        self.verify = verify
        self.retry_budget = RETRY_BUDGET_SECONDS

    # -- requests.Session ---------------------------------------------------------------------------------------

    def request(self, method, url, *args, **kwargs) -> requests.Response:  # type: ignore[override]
        kwargs["stream"] = True
        kwargs.setdefault("timeout", self.default_timeout)
        headers = dict(kwargs.get("headers") or {})
        if not any(name.lower() == "accept-encoding" for name in headers):
            headers["Accept-Encoding"] = ACCEPT_ENCODING
        kwargs["headers"] = headers
        waited = 0.0
        for _attempt in range(MAX_RETRIES + 1):
            response = self._send_and_read(method, url, *args, **kwargs)
            if response.status_code != 429:
                return response
            delay = retry_after_seconds(response)
            if delay is None or delay > MAX_RETRY_AFTER or waited + delay > self.retry_budget:
                return response  # the caller decides what a 429 it cannot wait out means
            waited += delay
            time.sleep(delay)
        return response

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Credentials go to the origin they were meant for only: scheme, host and port must all match."""
        return _origin(old_url) != _origin(new_url)

    def send(self, request, **kwargs):  # type: ignore[override]
        deadline = time.monotonic() + self._deadline_seconds(kwargs.get("timeout"))
        response = super().send(request, **kwargs)
        # redirects are followed from inside requests, through here: each hop's body is read within the bounds
        if kwargs.get("stream"):
            read_bounded(response, self.max_bytes, deadline)
        return response

    def _deadline_seconds(self, timeout) -> float:
        if isinstance(timeout, tuple):
            timeout = sum(t for t in timeout if t)
        return DEADLINE_FACTOR * float(timeout or self.default_timeout)

    def _send_and_read(self, method, url, *args, **kwargs) -> requests.Response:
        return super().request(method, url, *args, **kwargs)


class RateLimiter:
    """At most ``per_second`` requests a second across every client and thread of this process (None: no bound)."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Tokens(Protocol):
    """A principal's bearer tokens, as ``auth.TokenSource`` hands them out."""

    @property
    def name(self) -> str: ...

    def issued(self, token: str) -> bool: ...

    def is_current(self, token: str) -> bool: ...

    def invalidate(self) -> bool: ...

    def token(self) -> str: ...


class TargetSession(BoundedSession):
    """The run's way to the target, whoever sends (the suite's client, schemathesis, its checks): each request waits
    its turn on the limiter and is recorded in the transcript, redacted, with the principal whose token it carries;
    a 401 to a principal's token that has been replaced, or that can be fetched anew, is sent once more with the
    principal's current token (recorded too)."""

    def __init__(
        self,
        timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        verify: bool = True,
        *,
        transcript: Transcript | None = None,
        limiter: RateLimiter | None = None,
        tokens: Iterable[Tokens] = (),
    ):
        super().__init__(timeout, max_bytes=max_bytes, verify=verify)
        self.transcript = transcript if transcript is not None else Transcript()
        self.limiter = limiter or RateLimiter(None)
        self.tokens = list(tokens)

    def request(self, method, url, **kwargs) -> requests.Response:  # type: ignore[override]
        response = self._recorded(method, url, kwargs)
        if response.status_code == 401:
            fresh = self._with_fresh_token(kwargs.get("headers"))
            if fresh is not None:
                response = self._recorded(method, url, {**kwargs, "headers": fresh})
        return response

    def _recorded(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        self.limiter.wait()
        headers = kwargs.get("headers") or {}
        source, token = self._tokens_of(headers)
        if source is not None and token is not None:
            self.transcript.add_secrets([token])  # a principal's, before anything that might quote it is recorded
        prepared = requests.Request(
            method, url, params=kwargs.get("params"), data=kwargs.get("data"), json=kwargs.get("json")
        ).prepare()
        exchange = self.transcript.request(
            method, prepared.url or url, headers, prepared.body, source.name if source is not None else None
        )
        response = super().request(method, url, **kwargs)
        self.transcript.answered(exchange, response)
        return response

    def _tokens_of(self, headers: Mapping[str, Any]) -> tuple[Tokens | None, str | None]:
        """The principal whose bearer token ``headers`` carry (None when it is no token of the run's), the token."""
        value = next((str(v) for k, v in headers.items() if str(k).lower() == "authorization"), "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None, None
        return next((source for source in self.tokens if source.issued(token)), None), token

    def _with_fresh_token(self, headers: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """``headers`` with the principal's current token, when theirs was replaced or can be fetched anew."""
        source, token = self._tokens_of(headers or {})
        if source is None or token is None:
            return None
        if source.is_current(token) and not source.invalidate():
            return None  # a static token: nothing to refresh
        fresh = source.token()
        if fresh == token:
            return None
        self.transcript.add_secrets([fresh])
        kept = {k: v for k, v in (headers or {}).items() if str(k).lower() != "authorization"}
        return {**kept, "Authorization": f"Bearer {fresh}"}


def read_bounded(response: requests.Response, max_bytes: int, deadline: float) -> None:
    """Read the body into ``response._content``: ResponseTooLarge past ``max_bytes`` (inflated), ResponseTooSlow
    past ``deadline``. The response is closed either way, so its connection is not reused mid-body."""
    if response._content_consumed:  # noqa: SLF001 - requests keeps the body here; nothing public sets it
        return
    name = exchange_name(response.request.method or "", response.url)
    inflater = _Inflater(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    try:
        while True:
            if time.monotonic() > deadline:
                raise ResponseTooSlow(f"{name}: the answer was not complete within its deadline")
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=False)
            if not chunk and not inflater.pending():
                break
            room = max_bytes - len(body) + 1
            body += inflater.feed(chunk, room) if inflater.active else chunk
            if len(body) > max_bytes:
                raise ResponseTooLarge(
                    f"{name} answered {response.status_code} with a body of more than {max_bytes} bytes"
                    + (" once inflated" if inflater.active else "")
                    + " (the suite reads no further)"
                )
    except Urllib3Error as error:
        response.close()
        if "timed out" in str(error).lower():
            raise requests.exceptions.ReadTimeout(f"{name}: {error}") from None
        raise requests.exceptions.ConnectionError(f"{name}: {error}") from None
    except BaseException:
        response.close()
        raise
    response._content = bytes(body)  # noqa: SLF001
    response._content_consumed = True  # noqa: SLF001
    response.raw.release_conn()  # read to its end: the connection can carry the next request


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


def json_or_none(response: requests.Response) -> Any:
    """The JSON body of a response, or None when it has none that parses."""
    try:
        return response.json()
    except ValueError:
        return None
