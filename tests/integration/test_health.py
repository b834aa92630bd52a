"""Health probes against the real database and Redis."""

from sqlalchemy import Engine

from contact_service.web.app import build_app
from tests.conftest import TEST_REDIS_URL


def test_readyz_is_ready_when_database_and_redis_answer(pg_engine: Engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    app = build_app({"database_url": pg_engine.url.render_as_string(hide_password=False), "redis_url": TEST_REDIS_URL})
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_names_what_is_unreachable(pg_engine: Engine) -> None:
    app = build_app(
        {"database_url": pg_engine.url.render_as_string(hide_password=False), "redis_url": "redis://127.0.0.1:1/0"}
    )
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["redis"].startswith("unreachable")
    assert client.get("/healthz").status_code == 200
