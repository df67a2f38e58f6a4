"""The REST API at /api/v1: its OpenAPI document, authentication (401 for a missing, unknown
or revoked token; a token acts as its user), and failures of the platform (503, unknown paths).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from api.app import ENDPOINTS, openapi_document
from api.schemas import ExportRow
from bot.http_app import create_web_app
from core.db import create_engine
from core.models import ApiToken
from core.services import api_tokens
from core.services.export import COLUMNS
from tests.support.api_helpers import API, Api, example_path

ROOT = Path(__file__).resolve().parents[1]


# --- the document ----------------------------------------------------------------------------


async def test_openapi_document_is_served_without_a_token_and_lists_every_route(api: Api):
    answer = await api.call("GET", "/openapi.json")
    assert answer.status == 200
    document = answer.body
    assert document == json.loads(json.dumps(openapi_document()))
    assert document["openapi"].startswith("3.1")
    for endpoint in ENDPOINTS:
        operation = document["paths"][endpoint.path][endpoint.method.lower()]
        assert str(endpoint.status) in operation["responses"]
        assert {"401", "503"} <= set(operation["responses"])
        takes_input = endpoint.body or endpoint.query or "{" in endpoint.path
        assert ("422" in operation["responses"]) == bool(takes_input)
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert refs <= set(document["components"]["schemas"]), "every $ref resolves"


def test_export_row_model_has_the_columns_of_the_core_export():
    assert tuple(ExportRow.model_fields) == COLUMNS


def test_api_modules_stay_under_300_lines():
    """What `api` may import is an import-linter contract (pyproject.toml, `make lint`)."""
    for path in (ROOT / "api").glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 300, path.name


# --- authentication --------------------------------------------------------------------------


async def test_every_endpoint_refuses_missing_unknown_and_revoked_tokens(api: Api):
    ticket = await api.new_ticket("carl")
    revoked = await api.token_for("ned")
    async with api.world.sessions.begin() as session:
        assert await api_tokens.revoke_all(session, email=api.world.email("ned")) == 1
    unknown = "tl_" + "A" * 43
    for endpoint in ENDPOINTS:
        path = example_path(endpoint.path, ticket)
        for token, code in [
            (None, "missing_token"),
            (unknown, "invalid_token"),
            ("not-a-token", "invalid_token"),
            (revoked, "invalid_token"),
        ]:
            answer = await api.call(endpoint.method, path, token=token, json={})
            assert answer.status == 401, (endpoint.operation_id, token, answer.body)
            assert answer.error["code"] == code
            assert "threadline tokens create" in answer.error["message"]
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    basic = await api.client.get(f"{API}/me", headers={"Authorization": "Basic eDp5"})
    assert basic.status == 401
    assert (await basic.json())["error"]["code"] == "invalid_authorization"


async def test_a_token_acts_as_its_user_and_records_its_use(api: Api):
    answer = await api.call("GET", "/me", as_="nina")
    assert answer.status == 200
    assert answer.body == {
        "user": {"email": "nina@northwind.example", "name": "Nina"},
        "org": {"slug": "northwind", "name": "Northwind"},
        "roles": ["member", "support_rep"],
    }
    async with api.world.sessions() as session:
        token = await session.scalar(select(ApiToken))
        assert token is not None
        assert token.last_used_at is not None
        assert token.token_hash == api_tokens.hash_token(api.tokens["nina"])
        assert api.tokens["nina"] not in token.token_hash


# --- failures of the platform ----------------------------------------------------------------


async def test_database_down_is_503_with_retry_after(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    try:
        app = create_web_app(engine)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(
                f"{API}/tickets", headers={"Authorization": "Bearer tl_" + "A" * 43}
            )
            assert response.status == 503
            assert response.headers["Retry-After"] == "5"
            body = await response.json()
            assert body["error"]["code"] == "database_unavailable"
    finally:
        await engine.dispose()


async def test_unknown_paths_and_methods_answer_in_the_error_shape(api: Api):
    missing = await api.call("GET", "/nowhere", as_="carl")
    assert missing.status == 404
    assert missing.error["code"] == "not_found"
    wrong = await api.call("DELETE", "/tickets", as_="carl")
    assert wrong.status == 405
    assert wrong.error["code"] == "method_not_allowed"
