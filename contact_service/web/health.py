"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from contact_service.web.app import container

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """The process is up and serving."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    """The database and Redis are reachable; 503 names whichever is not."""
    checks: dict[str, str] = {}
    try:
        with container().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc.orig or exc).__name__}"
    try:
        container().redis.ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
