"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contact_service.web.api.operations import _PATH_PARAM, API_PREFIX, MAX_ID, Operation

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "message"],
            "properties": {
                "status": {"type": "integer"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "next_allowed_at": {"type": ["string", "null"], "format": "date-time"},
            },
        }
    },
}
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad input: the message names the field",
    401: "No valid bearer token",
    403: "The token's role may not do this",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "The body is larger than the API accepts",
    422: "Not allowed by the contact rules (see next_allowed_at)",
}


def document(operations: list[Operation], version: str) -> dict[str, Any]:
    """The whole document."""
    models: set[type[BaseModel]] = set()
    for op in operations:
        models.update(m for m in (op.body, op.response) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    refs, defs = models_json_schema(
        [(m, "validation" if _is_request(m, operations) else "serialization") for m in ordered],
        ref_template="#/components/schemas/{model}",
    )
    schemas = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(API_PREFIX + op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "contact_service API",
            "version": version,
            "description": "Campaigns, cases, responses, call lists and enforcement recommendations. "
            "Every request needs `Authorization: Bearer <token>` (`contact-service tokens "
            "create`); each token carries a role.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _is_request(model: type[BaseModel], operations: list[Operation]) -> bool:
    return any(op.body is model for op in operations)


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null alternative pydantic gives optional fields."""
    options = [option for option in prop.get("anyOf", []) if option.get("type") != "null"]
    if len(options) == 1:
        merged = {key: value for key, value in prop.items() if key != "anyOf"}
        merged.update(options[0])
        return {key: value for key, value in merged.items() if not (key == "default" and value is None)}
    return prop


def _operation(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:

    def mode(model: type[Any]) -> str:
        return "validation" if model is op.body else "serialization"

    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        for name in _PATH_PARAM.findall(op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            prop = _without_null({key: value for key, value in prop.items() if key != "title"})
            parameters.append(
                {"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop}
            )
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": REASONS.get(op.status, "OK")}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": refs[(op.response, mode(op.response))]}}
    responses[str(op.status)] = success
    for code in op.errors:
        responses[str(code)] = {
            "description": REASONS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    body: dict[str, Any] = {
        "operationId": f"{op.method.lower()}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    if op.permission is not None:
        body["description"] = f"Requires the `{op.permission.value}` permission."
    return body
