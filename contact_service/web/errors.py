"""The one place typed service errors become HTTP statuses and the one JSON error shape."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from contact_service.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NothingToDo,
    OutsideCallingWindow,
    ServiceError,
)

# Most specific first: OutsideCallingWindow is an Invalid with more to say.
STATUS_OF: tuple[tuple[type[ServiceError], int], ...] = (
    (OutsideCallingWindow, 422),
    (Invalid, 400),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (NothingToDo, 409),
)


# Routes whose errors, protocol ones included (404, 405, 413), are the one JSON shape: the API and the inbound
# callback. The Twilio webhooks answer Twilio in TwiML or plain text.
JSON_ERROR_PREFIXES = ("/api/", "/webhooks/inbound-callback")


def speaks_json(path: str) -> bool:
    """True when errors on `path` are reported in the one JSON shape."""
    return path.startswith(JSON_ERROR_PREFIXES)


def status_of(error: ServiceError) -> int:
    """The HTTP status a refusal is reported with."""
    return next((status for kind, status in STATUS_OF if isinstance(error, kind)), 400)


def error_response(status: int, message: str, field: str | None = None, **extra: Any) -> Response:
    """`{"error": {"status", "message", "field", ...}}` with `status`."""
    reply = jsonify({"error": {"status": status, "message": message, "field": field, **extra}})
    reply.status_code = status
    if status == 401:
        reply.headers["WWW-Authenticate"] = 'Bearer realm="contact_service"'
    return reply


def service_error_response(error: ServiceError) -> Response:
    """The JSON error response for a refusal, with the field and data the error carries."""
    extra: dict[str, Any] = {}
    if isinstance(error, OutsideCallingWindow):
        extra["next_allowed_at"] = error.next_allowed.isoformat() if error.next_allowed else None
    return error_response(status_of(error), error.message, error.field, **extra)
