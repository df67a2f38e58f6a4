"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

Every schema comes from `models_json_schema`; parameters are the properties of the path and
query models. Nothing here restates a field, so the document cannot disagree with the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pydantic
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from api import errors as api_errors
from api.endpoint import Endpoint
from api.schemas import ErrorResponse

REF_PREFIX = "#/components/schemas/"
SECURITY_SCHEME = "bearerAuth"
ALWAYS = (401, 503)  # any endpoint: bad token, database down

ERROR_TEXT = {
    400: "The body is not a JSON object.",
    401: "Missing, unknown or revoked API token.",
    403: "You can see the ticket but may not do this to it.",
    404: "No such ticket, or not one your org can see (indistinguishable).",
    409: "The change collides with the ticket's state (e.g. a disallowed stage move).",
    422: "A value in the path, query or body is invalid; `field` names it.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
}
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    503: {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
}


def _models(endpoints: Iterable[Endpoint]) -> list[tuple[type[pydantic.BaseModel], JsonSchemaMode]]:
    found: dict[tuple[type[pydantic.BaseModel], JsonSchemaMode], None] = {
        (ErrorResponse, "serialization"): None
    }
    for ep in endpoints:
        for response in (ep.response, *ep.media.values()):
            found[(response, "serialization")] = None
        for model in (ep.body, ep.query, ep.path_model):
            if model is not None:
                found[(model, "validation")] = None
    return list(found)


def _name(ref: dict[str, Any]) -> str:
    return str(ref["$ref"]).removeprefix(REF_PREFIX)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is absent rather than null: drop the null branch of an optional one."""
    options = schema.get("anyOf")
    if not options:
        return schema
    rest = [o for o in options if o != {"type": "null"}]
    if len(rest) != 1:
        return schema
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    if merged.get("default", 0) is None:
        del merged["default"]
    return {**rest[0], **merged}


def _parameters(
    model: type[pydantic.BaseModel] | None, where: str, refs: dict[Any, Any], defs: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = defs[_name(refs[(model, "validation")])]
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = _without_null(dict(prop))
        prop.pop("title", None)
        description = prop.pop("description", None)
        param: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": prop,
        }
        if description:
            param["description"] = description
        params.append(param)
    return params


def _responses(ep: Endpoint, refs: dict[Any, Any]) -> dict[str, Any]:
    media = ep.media or {"application/json": ep.response}
    responses: dict[str, Any] = {
        str(ep.status): {
            "description": "Created." if ep.status == 201 else "OK.",
            "content": {
                media_type: {"schema": refs[(model, "serialization")]}
                for media_type, model in media.items()
            },
        }
    }
    error = {"application/json": {"schema": refs[(ErrorResponse, "serialization")]}}
    takes_input = ep.body or ep.query or ep.path_model
    for status in sorted({*ALWAYS, *ep.errors, *((422,) if takes_input else ())}):
        responses[str(status)] = {"description": ERROR_TEXT[status], "content": error}
        if status in ERROR_HEADERS:
            responses[str(status)]["headers"] = ERROR_HEADERS[status]
    return responses


def _operation(ep: Endpoint, refs: dict[Any, Any], defs: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": ep.operation_id,
        "summary": ep.summary,
        "description": f"Core service: `{ep.services}`.",
        "tags": [ep.tag],
        "parameters": [
            *_parameters(ep.path_model, "path", refs, defs),
            *_parameters(ep.query, "query", refs, defs),
        ],
        "responses": _responses(ep, refs),
    }
    if ep.body is not None:
        required = bool(ep.body.model_json_schema().get("required"))
        operation["requestBody"] = {
            "required": required,
            "content": {"application/json": {"schema": refs[(ep.body, "validation")]}},
        }
    return operation


def build_document(endpoints: list[Endpoint]) -> dict[str, Any]:
    refs, top = models_json_schema(_models(endpoints), ref_template=REF_PREFIX + "{model}")
    defs: dict[str, Any] = dict(top.get("$defs", {}))
    parameter_models = {
        _name(refs[(m, "validation")]) for ep in endpoints for m in (ep.query, ep.path_model) if m
    }
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep, refs, defs)
    for name in parameter_models:  # their fields became parameters; they are not bodies
        defs.pop(name, None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Threadline REST API",
            "version": "1",
            "description": (api_errors.__doc__ or "").strip(),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `threadline tokens create --user EMAIL`.",
                }
            },
        },
    }
