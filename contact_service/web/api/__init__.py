"""The REST API under /api/v1: bearer tokens with roles, JSON in and out, one error format."""

from __future__ import annotations

import logging
import time
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Flask, Response, g, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as ResponseBase

from contact_service.adapters.db.migrate import first_line
from contact_service.domain.errors import ServiceError
from contact_service.services import api_tokens
from contact_service.web.api.operations import API_PREFIX, ApiError, OperationRegistry
from contact_service.web.context import container
from contact_service.web.errors import service_error_response, speaks_json

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix=API_PREFIX)
operation = OperationRegistry(api)
PUBLIC_ENDPOINTS = {"api.openapi_document"}


@api.before_request
def authenticate() -> None:
    """Every endpoint but the OpenAPI document needs a live bearer token; it decides the role."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "authorization: send 'Authorization: Bearer <token>'", "authorization")
    with container().sessions() as session:
        actor = api_tokens.authenticate(session, token.strip())
    if actor is None:
        raise ApiError(401, "authorization: the token is unknown or revoked", "authorization")
    g.actor = actor


@api.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI document of this API."""
    from contact_service.web.api.openapi import document

    try:
        release = version("contact-service")
    except PackageNotFoundError:
        release = "0"
    return jsonify(document(operation.operations, release))


def install(app: Flask) -> None:
    """Register the API and its error handling on the app."""
    from contact_service.web.api import call_lists, campaigns, cases  # noqa: F401  (they declare operations)

    app.register_blueprint(api)
    app.register_error_handler(ApiError, lambda error: error.response())
    app.register_error_handler(ServiceError, service_error_response)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseBase:
        if not speaks_json(request.path):
            return error.get_response()
        reply = ApiError(error.code or 500, error.description or error.name).response()
        for name, value in error.get_headers():  # keeps Allow on a 405
            if name.lower() != "content-type":
                reply.headers[name] = value
        return reply

    outage = _OutageLog()

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        outage.refused(error)
        return ApiError(503, "the database is unavailable; try again shortly").response()


class _OutageLog:
    """One line when requests start failing for want of the database, then at most one a minute with how many
    were refused since: an outage under load is not a line per request."""

    EVERY_SECONDS = 60.0

    def __init__(self) -> None:
        self._said_at: float | None = None
        self._refused = 0

    def refused(self, error: OperationalError) -> None:
        """A request was answered 503 because of `error`."""
        now = time.monotonic()
        self._refused += 1
        if self._said_at is None or now - self._said_at >= self.EVERY_SECONDS:
            log.error(
                "database unavailable (%d request(s) answered 503 since the last line): %s",
                self._refused,
                first_line(error.orig or error),
            )
            self._said_at, self._refused = now, 0
