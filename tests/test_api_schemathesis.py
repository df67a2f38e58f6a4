"""Fuzzing the REST API with schemathesis, against the OpenAPI document the server serves.

Every operation gets generated requests, valid per the document and (fewer) invalid ones,
sent with a valid token of a partner rep, on a world with tickets in it. Checked: no 5xx,
and every response (status, content type, headers, body) conforms to the document. Bounded:
a fixed number of examples per operation, derandomized, no shrinking: 10-20 s on each
database (it runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import asyncio
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.support.api_helpers import API, api_client

# Examples per operation and mode: valid requests, and requests that break the document
# (which must be refused with a documented 4xx, never a 5xx).
EXAMPLES = {
    schemathesis.GenerationMode.POSITIVE: 25,
    schemathesis.GenerationMode.NEGATIVE: 10,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _run(
    operation: Any,
    mode: schemathesis.GenerationMode,
    examples: int,
    base_url: str,
    http: requests.Session,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=base_url, session=http, timeout=30)
        case.validate_response(response, checks=CHECKS)

    run()


def _fuzz(schema_url: str, base_url: str, token: str) -> dict[str, str]:
    """Run every operation; returns the failures by operation (empty when all passed)."""
    schema = schemathesis.openapi.from_url(schema_url)
    failures: dict[str, str] = {}
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode, examples in EXAMPLES.items():
                try:
                    _run(operation, mode, examples, base_url, http)
                except Exception as exc:
                    failures[f"{operation.label} ({mode.value})"] = f"{type(exc).__name__}: {exc}"
    return failures


async def test_api_survives_fuzzing_and_conforms_to_its_document(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
):
    async with api_client(engine, sessions) as api:
        for i in range(3):
            await api.new_ticket("carl", f"Seeded {i}", tags=["seed"])
        await api.new_ticket("fay", "Another tenant's")
        token = await api.token_for("nina")
        base_url = str(api.client.make_url(API))
        # requests is synchronous: it runs in a thread while this loop serves the app.
        failures = await asyncio.to_thread(_fuzz, f"{base_url}/openapi.json", base_url, token)
    assert failures == {}, "\n\n".join(f"{op}:\n{err}" for op, err in failures.items())
