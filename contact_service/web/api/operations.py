"""Declaring API operations once: the route, its permission, its request and response models. The OpenAPI
document is generated from the same declarations, so it says what the endpoints do.

Bodies and query strings are validated with pydantic; a bad one is a 400 naming the field. Every error is
one JSON shape: {"error": {"status", "message", "field"}}.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError

from contact_service.domain.access import Permission
from contact_service.web.errors import error_response

API_PREFIX = "/api/v1"
MAX_ID = 2**63 - 1
_PATH_PARAM = re.compile(r"\{(\w+)\}")


class ApiError(Exception):
    """A protocol-level refusal (no token, a body that is not the declared JSON): status, message, field.
    Refusals of the service itself are typed errors (domain.errors), mapped in web.errors."""

    def __init__(self, status: int, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.field, self.extra = status, message, field, extra

    def response(self) -> Response:
        """The JSON error response."""
        return error_response(self.status, self.message, self.field, **self.extra)


class Schema(BaseModel):
    """Base of request and response models: unknown fields in a request are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation:
    """One endpoint as the OpenAPI document describes it."""

    method: str
    path: str
    summary: str
    permission: Permission | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str
    errors: tuple[int, ...] = field(default=())


class OperationRegistry:
    """Collects operations as modules declare them."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        self.operations: list[Operation] = []

    def __call__(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        permission: Permission | None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare an operation; the decorated function takes the path parameters, `body`, `query`."""
        path_params = _PATH_PARAM.findall(path)
        codes = {400, 401, 403, *errors} | ({404} if path_params else set()) | ({413} if body else set())
        operation = Operation(
            method.upper(), path, summary, permission, body, query, response, status, tag, tuple(sorted(codes))
        )
        self.operations.append(operation)

        def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(handler)
            def endpoint(**path_values: Any) -> Response:
                if permission is not None and not g.actor.can(permission):
                    raise ApiError(403, f"a {g.actor.role} token may not {permission.value.replace('_', ' ')}")
                for name, value in path_values.items():
                    if not 1 <= value <= MAX_ID:
                        raise ApiError(404, f"no such {name.removesuffix('_id')} {value}", name)
                kwargs: dict[str, Any] = dict(path_values)
                if body is not None:
                    kwargs["body"] = _parse_body(body)
                if query is not None:
                    kwargs["query"] = _parse_query(query)
                result = handler(**kwargs)
                reply = jsonify(result.model_dump(mode="json")) if isinstance(result, BaseModel) else jsonify(result)
                reply.status_code = status
                return reply

            flask_path = _PATH_PARAM.sub(lambda m: f"<int:{m.group(1)}>", path)
            self.blueprint.add_url_rule(flask_path, endpoint=handler.__name__, view_func=endpoint, methods=[method])
            return handler

        return decorate


def _parse_body(model: type[BaseModel]) -> BaseModel:
    """The JSON body, strictly: JSON types must match the document (false is not 0; 0 is not a time). pydantic's
    parser bounds nesting (too deep is a 400, not a RecursionError); no text may carry a NUL."""
    try:
        parsed = model.model_validate_json(request.get_data() or b"{}", strict=True)
    except ValidationError as exc:
        raise _bad_input(exc, "body") from None
    where = _nul_at(parsed, ())
    if where is not None:
        name = ".".join(str(part) for part in where) or "body"
        raise ApiError(400, f"{name}: must not contain NUL characters", name)
    return parsed


def _nul_at(value: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """Where in a parsed body a text holds a NUL (PostgreSQL refuses them: a 500 if one got that far), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, BaseModel):
        items: Any = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif isinstance(value, dict):
        items = ((key, item) for key, item in value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and "\x00" in key:
            return (*path, key)
        found = _nul_at(item, (*path, key))
        if found is not None:
            return found
    return None


def _parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string; its values are text, converted to the declared types."""
    try:
        return model.model_validate(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise _bad_input(exc, "query") from None


def _bad_input(exc: ValidationError, where: str) -> ApiError:
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or where
    if first["type"] == "json_invalid":
        # "recursion limit exceeded", "EOF while parsing"...: what pydantic's parser says, without its prefix.
        message = f"must be a JSON object ({first['msg'].removeprefix('Invalid JSON: ')})"
    elif first["type"] == "model_type":
        message = "must be a JSON object"
    else:
        message = first["msg"]
    return ApiError(400, f"{name}: {message}", name)
