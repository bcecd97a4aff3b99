"""Helpers for the fake Cloudflare API's own tests: constants, an account-and-token fixture, a raw httpx client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_cf_billing.testing import FakeCloudflareAPI

ACCOUNT = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
TOKEN = "sentinel-token-do-not-leak-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EMAIL, GLOBAL_KEY = "ops@example.com", "sentinel-global-key-do-not-leak-91c2"
RAY = re.compile(r"[0-9a-f]{16}-SJC")


def route(account_id: str = ACCOUNT) -> str:
    return f"/accounts/{account_id}/ai-gateway/billing/credit-balance"


@pytest.fixture
def api(fake_cloudflare_api: FakeCloudflareAPI) -> FakeCloudflareAPI:
    """The fake with one account and a token for every account."""
    fake_cloudflare_api.add_account(ACCOUNT)
    fake_cloudflare_api.add_token(TOKEN)
    return fake_cloudflare_api


@pytest.fixture
def client(fake_cloudflare_api: FakeCloudflareAPI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_cloudflare_api.base_url, timeout=5.0) as client:
        yield client


def get(client: httpx.Client, account_id: str = ACCOUNT, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.get(route(account_id), headers=AUTH if headers is None else headers)


def assert_error(response: httpx.Response, status: int, *codes: int) -> list[dict[str, Any]]:
    """Check Cloudflare's error envelope; return its errors."""
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["success"] is False
    assert body["messages"] == []
    assert body["result"] is None
    assert [error["code"] for error in body["errors"]] == list(codes)
    errors: list[dict[str, Any]] = body["errors"]
    return errors
