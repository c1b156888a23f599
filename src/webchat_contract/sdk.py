"""The platform's official Python SDK (``PureCloudPlatformClientV2``, the ``sdk`` extra) driven against the target.

The SDK shapes every request and deserializes every answer itself; only its HTTP layer is replaced, by one that sends
through the suite's client: bounded in time, no retries of its own (it would retry a POST up to 10 times), recorded in
the test's transcript and redacted like every other exchange. The SDK's import takes seconds and hundreds of MB, so it
is imported only when an SDK test runs.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from .client import ApiClient, TargetError
from .request_shape import SDK_VERSION, Shape
from .spec import Operation
from .target import Target
from .violations import ContractViolation

PACKAGE = "PureCloudPlatformClientV2"
INSTALL_HINT = f"install webchat-contract[sdk] ({PACKAGE}=={SDK_VERSION})"
BREAKS = f"breaks the official SDK ({PACKAGE} {SDK_VERSION})"
TOKEN_PATH = "/oauth/token"
# the SDK's headers go out as they are: nothing added, nothing taken away
AS_THE_SDK_SENDS = Shape("official-sdk", {}, False)
SUCCESS_STATUSES = range(200, 206)  # what the SDK's own HTTP layer (rest.py) takes for success
Observer = Callable[[str, str, Any], None]


class SdkBroke(AssertionError):
    """The SDK could not do what its user asked, against an answer of the target."""


def installed() -> bool:
    """Whether the ``sdk`` extra is installed (without importing the SDK)."""
    return importlib.util.find_spec(PACKAGE) is not None


@functools.cache
def load() -> Any | None:
    """The SDK's package, or None when the ``sdk`` extra is not installed."""
    with quiet():
        try:
            import PureCloudPlatformClientV2 as sdk  # noqa: N813
        except ImportError:
            return None
    # At import the SDK reads ~/.genesyscloudpython/config and keeps watching it: a user's SDK logging or gateway
    # must not reach the suite's requests.
    sdk.configuration.live_reload_config = False
    sdk.configuration.logger.log_level = sdk.logger.LogLevel.LNone
    return sdk


@contextmanager
def quiet() -> Iterator[None]:
    """Every WebChatApi method is marked deprecated and warns on each call; the SDK's import warns too."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def web_chat_api(
    target: Target, principal_name: str | None, token: str | None = None, observe: Observer | None = None
) -> Any:
    """A ``WebChatApi`` acting as a configured principal (its token from the SDK's own client-credentials flow where
    the target's token endpoint is where the SDK looks for it), or with ``token`` as it is (a token the target must
    not know, so no secret). ``observe(method, path, response)`` sees every API answer before the SDK does (to track
    what a POST created, whatever the SDK makes of the answer)."""
    sdk = load()
    api_client = sdk.ApiClient(host=target.base_url)
    api_client.gateway_configuration = None  # the target's base URL, not a gateway from a user's SDK config
    api_client.set_http_client(_http_client(sdk, target, observe))
    principal = target.config.principals.get(principal_name) if principal_name else None
    if token is not None:
        api_client.access_token = token
    elif principal is not None:
        api_client.access_token = _sdk_login(api_client, target, principal) or target.token_of(principal)
        target.transcript.add_secrets([api_client.access_token])
    return sdk.WebChatApi(api_client)


def _sdk_login(api_client: Any, target: Target, principal: Any) -> str | None:
    """The token of the SDK's own client-credentials flow, when the target's token URL is where the SDK looks for it.
    The token endpoint is no part of the contract: when the SDK's flow fails there, the suite's token is used."""
    if not principal.uses_client_credentials or _sdk_login_url(target) != target.config.token_url:
        return None
    try:
        with quiet():
            api_client.get_client_credentials_token(principal.client_id, principal.client_secret)
    except TargetError:
        raise
    except Exception:
        return None
    return api_client.access_token or None


def _sdk_login_url(target: Target) -> str:
    """Where ``ApiClient.get_client_credentials_token`` posts: the API host with ``api.`` turned into ``login.``."""
    return re.sub(r"//api\.", "//login.", target.base_url, count=1) + TOKEN_PATH


def _http_client(sdk: Any, target: Target, observe: Observer | None) -> Any:
    """An ``AbstractHttpClient`` of the SDK sending through the suite's client (the class exists once it is loaded)."""
    base_class = sdk.abstract_http_client.AbstractHttpClient
    rest = sdk.rest

    class SuiteHttpClient(base_class):
        def request(self, options):
            response = _send(target, options, observe)
            # what the SDK's own HTTP layer does with an answer (rest.py, RESTClientObject.request)
            raw = _Urllib3Like(response.status_code, response.reason, response.content, response.headers)
            answer = rest.RESTResponse(raw)
            answer.data = answer.data.decode("utf8")
            if answer.status not in SUCCESS_STATUSES:
                raise rest.ApiException(http_resp=answer)
            return answer

    return SuiteHttpClient()


def _send(target: Target, options: Any, observe: Observer | None) -> Any:
    headers = {name: str(value) for name, value in options.headers.items()}
    url: str = options.url
    if url == _sdk_login_url(target):
        # like the suite's own token requests (auth.py): not part of any test's transcript, the answer is a secret
        return target.outside_session.post(
            url,
            data=urlencode(options.post_params),
            headers=headers,
            timeout=target.config.timeout,
            verify=target.config.verify_tls,
        )
    if not url.startswith(target.base_url + "/"):
        raise TargetError(f"the SDK asked for {url}, outside the target {target.base_url}")
    authorization = headers.pop("Authorization", None)
    # the SDK's HTTP layer sends a JSON body on POST and PUT only (rest.py)
    data = json.dumps(options.body) if options.method in ("POST", "PUT", "PATCH") else None
    client: ApiClient = target.anonymous()
    path = url.removeprefix(target.base_url)
    response = client.request(
        options.method, path, data=data, headers=headers, authorization=authorization, shape=AS_THE_SDK_SENDS
    )
    if observe is not None:
        observe(options.method, path, response)
    return response


class _Urllib3Like:
    """What ``rest.RESTResponse`` reads from a urllib3 response."""

    def __init__(self, status: int, reason: str, data: bytes, headers: Mapping[str, str]):
        self.status, self.reason, self.data, self.headers = status, reason, data, headers


class _Answer:
    """An answer as the SDK's ``ApiClient.deserialize`` reads it."""

    def __init__(self, data: str, content_type: str | None):
        self.data, self._content_type = data, content_type

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self._content_type if name.lower() == "content-type" else default


def model_from_json(api: Any, body: Any, model: str) -> Any:
    """``body`` as the SDK's model ``model``, made by the SDK itself (as a user building a request would get it)."""
    return api.api_client.deserialize(_Answer(json.dumps(body), "application/json"), model)


def error_body(api: Any, error: Any) -> Any:
    """The ``ErrorBody`` the SDK makes of an ``ApiException``'s answer."""
    headers = error.headers or {}
    return api.api_client.deserialize(_Answer(error.body or "", headers.get("Content-Type")), "ErrorBody")


def method_name(operation: Operation) -> str:
    """The WebChatApi method of an operation: its operationId in snake case (getWebchatDeployments ->
    get_webchat_deployments)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation.operation_id).lower()


def drive(api: Any, operation: Operation, *args: Any) -> Any:
    """Call an operation through the SDK and check the SDK showed the answer as it was; returns what the call
    returned, or the ``ApiException`` of a refusal."""
    outcome = attempt(operation.operation_id, getattr(api, method_name(operation)), *args)
    check_faithful(api, operation.operation_id, outcome)
    return outcome


def attempt(operation_id: str, method: Callable[..., Any], *args: Any) -> Any:
    """Call a WebChatApi method: what it returns, or the ``ApiException`` it raises for a refusal. Anything else it
    raises becomes ``SdkBroke`` with the SDK's own error (the suite's run errors pass through)."""
    sdk = load()
    try:
        with quiet():
            return _without_deprecation_warning(method)(*args)
    except sdk.rest.ApiException as refusal:
        if refusal.status in SUCCESS_STATUSES or refusal.status is None or refusal.body is None:
            raise SdkBroke(f"{BREAKS}: {operation_id} raised {_one_line(refusal)}") from None
        return refusal
    except (TargetError, ContractViolation):  # the run's own errors, and what the suite's observer saw
        raise
    except Exception as error:
        raise SdkBroke(f"{BREAKS}: {operation_id} raised {type(error).__name__}: {_one_line(error)}") from None


def _without_deprecation_warning(method: Callable[..., Any]) -> Callable[..., Any]:
    """The SDK's ``@deprecated`` wrapper forces its warning through any filter ('always'); call what it wraps."""
    inner = getattr(method, "__wrapped__", None)
    owner = getattr(method, "__self__", None)
    return functools.partial(inner, owner) if inner is not None and owner is not None else method


def is_refusal(outcome: Any) -> bool:
    return isinstance(outcome, load().rest.ApiException)


def check_faithful(api: Any, operation_id: str, outcome: Any) -> None:
    """Whatever the target answered, the SDK shows it as it was: a success as a model equal to the answer's JSON,
    field for field (types included), a refusal as an ErrorBody equal to the answer's JSON."""
    if is_refusal(outcome):
        model, raw = error_body(api, outcome), _json(outcome.body)
        content_type = (outcome.headers or {}).get("Content-Type")
    elif outcome is None:  # an operation without a response model (the DELETEs)
        return
    else:
        answer = api.api_client.last_response
        model, raw, content_type = outcome, _json(answer.data), answer.getheader("Content-Type")
    found = list(mismatches(model, raw, type(model).__name__))
    if found:
        shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
        raise SdkBroke(f"{BREAKS}: {operation_id} (answer Content-Type {content_type!r}): {shown}")


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def mismatches(got: Any, raw: Any, where: str) -> Iterator[str]:
    attribute_map = getattr(got, "attribute_map", None)
    if attribute_map is not None:
        if not isinstance(raw, dict):
            yield f"{where} is the SDK's {type(got).__name__}, the answer has {_short(raw)}"
            return
        for attribute, key in attribute_map.items():
            value = getattr(got, attribute)
            if key in raw:
                yield from mismatches(value, raw[key], f"{where}.{key}")
            elif value is not None:
                yield f"{where}.{key} is {_short(value)} in the SDK's model, absent from the answer"
        return
    if isinstance(raw, list) and isinstance(got, list) and len(got) == len(raw):
        for index, (item, raw_item) in enumerate(zip(got, raw, strict=True)):
            yield from mismatches(item, raw_item, f"{where}[{index}]")
        return
    if not _same_json_value(got, raw):
        yield f"{where} is {_short(got)} in the SDK's model, {_short(raw)} in the answer"


def _same_json_value(got: Any, raw: Any) -> bool:
    if isinstance(got, bool) or isinstance(raw, bool):
        return type(got) is type(raw) and got == raw
    if isinstance(got, int | float) and isinstance(raw, int | float):
        return got == raw
    return type(got) is type(raw) and got == raw


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."
