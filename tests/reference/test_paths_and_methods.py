"""Unknown paths and undocumented methods answer error bodies."""

from __future__ import annotations

import uuid

import pytest
import requests
from target_api import Api, assert_error

from webchat_contract import spec


@pytest.mark.parametrize("path", ["/api/v2/webchat", "/api/v2/webchat/deployments/", "/nowhere"])
def test_unknown_paths_are_404_error_bodies(api: Api, path: str) -> None:
    assert_error(requests.get(api.base_url + path, timeout=10), 404, "not.found")


@pytest.mark.parametrize("path", sorted({op.path for op in spec.operations()}))
def test_undocumented_methods_are_405_error_bodies(api: Api, path: str) -> None:
    documented = {op.method for op in spec.operations() if op.path == path}
    url = api.base_url + path.replace("{deploymentId}", str(uuid.uuid4()))
    for method in sorted({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} - documented):
        response = requests.request(method, url, headers={"Authorization": f"Bearer {api.tokens['admin']}"}, timeout=10)
        assert_error(response, 405)
