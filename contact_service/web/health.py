"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError

from contact_service.adapters.db.engine import unreachable
from contact_service.web.context import container

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    """The process is up and serving."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The database and Redis are reachable; 503 names whichever is not."""
    checks: dict[str, str] = {}
    problem = unreachable(container().engine)
    checks["database"] = "ok" if problem is None else f"unreachable: {problem}"
    try:
        container().redis.ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
