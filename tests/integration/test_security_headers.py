"""Security headers on every response, and X-Forwarded-For believed only from the configured proxies, so the
security log records who really sent a refused request (real PostgreSQL and Redis)."""

from __future__ import annotations

import json
import logging

import pytest

from contact_service.bootstrap import Container
from contact_service.web.app import build_app
from contact_service.web.inbound_callback import sign

SECURITY_LOG = "contact_service.security"


OWN_TOKEN = "4c1f0e9a7b2d8e6f5a3c9b1d7e0f2a48"  # not the published placeholder: any client may be answered


def _app(container: Container, **settings):  # type: ignore[no-untyped-def]
    container.settings = container.settings.replace(**{"twilio_auth_token": OWN_TOKEN, **settings})
    return build_app(container=container).test_client()


def _responses(client, token: dict[str, str]):  # type: ignore[no-untyped-def]
    """One response of each kind: API data, API errors, webhooks (refused), the inbound callback, health."""
    return {
        "api data": client.get("/api/v1/campaigns", headers=token),
        "api 401": client.get("/api/v1/campaigns"),
        "api 404": client.get("/api/v1/no-such-thing", headers=token),
        "twilio webhook": client.post("/webhooks/twilio/voice?attempt=1", data={"CallSid": "CA1"}),
        "inbound callback": client.post("/webhooks/inbound-callback", data=b"{}", content_type="application/json"),
        "health": client.get("/healthz"),
        "unknown path": client.get("/nowhere"),
    }


def test_every_response_is_not_cached_and_not_sniffed(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    for kind, reply in _responses(api_client, token_for("viewer")).items():
        assert reply.headers.get("Cache-Control") == "no-store", kind
        assert reply.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert reply.headers.get("X-Frame-Options") == "DENY", kind
        # Served over plain http on this machine: no HSTS (a browser would ignore it anyway).
        assert "Strict-Transport-Security" not in reply.headers, kind


def test_hsts_once_served_over_https(api_container: Container, token_for) -> None:  # type: ignore[no-untyped-def]
    client = build_app(container=api_container).test_client()
    reply = client.get("/api/v1/campaigns", headers=token_for("viewer"), base_url="https://localhost")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_on_every_response_when_the_public_url_is_https(api_container: Container, token_for) -> None:  # type: ignore[no-untyped-def]
    # Behind a TLS-terminating proxy the app itself sees http; the public URL says how the world reaches it.
    client = _app(api_container, public_base_url="https://calls.example.gov")
    for kind, reply in _responses(client, token_for("viewer")).items():
        assert reply.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", kind


def _refused_from(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == SECURITY_LOG]


@pytest.mark.parametrize("path", ["/webhooks/twilio/status?attempt=1", "/webhooks/inbound-callback"])
def test_a_client_cannot_choose_the_address_the_security_log_records(
    api_container: Container, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    client = _app(api_container)  # trusted_proxy_hops = 0, the default
    with caplog.at_level(logging.WARNING, logger=SECURITY_LOG):
        reply = client.post(
            path,
            data={"CallSid": "CA1"},
            headers={"X-Forwarded-For": "203.0.113.77"},
            environ_base={"REMOTE_ADDR": "192.0.2.10"},
        )
    assert reply.status_code == 403
    [message] = _refused_from(caplog)
    assert "192.0.2.10" in message and "203.0.113.77" not in message


def test_behind_one_trusted_proxy_the_address_it_saw_is_recorded(
    api_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    client = _app(api_container, trusted_proxy_hops=1)
    with caplog.at_level(logging.WARNING, logger=SECURITY_LOG):
        reply = client.post(
            "/webhooks/twilio/status?attempt=1",
            data={"CallSid": "CA1"},
            # The client wrote the first entry itself; our proxy appended the address it really came from.
            headers={"X-Forwarded-For": "198.51.100.5, 203.0.113.77", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
    assert reply.status_code == 403
    [message] = _refused_from(caplog)
    assert "203.0.113.77" in message and "198.51.100.5" not in message and "10.0.0.2" not in message
    assert "Strict-Transport-Security" in reply.headers  # the proxy says the client came over https


def test_the_proxy_hops_setting_is_bounded() -> None:
    from contact_service.config import ConfigError, load_settings

    assert load_settings(environ={}).trusted_proxy_hops == 0
    assert load_settings(environ={"CONTACT_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2
    for bad in ("-1", "6", "many"):
        with pytest.raises(ConfigError, match="CONTACT_TRUSTED_PROXY_HOPS"):
            load_settings(environ={"CONTACT_TRUSTED_PROXY_HOPS": bad})


def test_on_the_published_development_secrets_only_this_machine_is_answered(
    api_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    # Local development (PUBLIC_BASE_URL on this machine) may run on the placeholders, which anyone can sign
    # with; a server bound to every interface must still refuse signed requests from elsewhere.
    secret = "local-inbound-callback-secret"
    client = _app(api_container, inbound_callback_secret=secret, twilio_auth_token="simulator-auth-token")
    body = json.dumps({"caller": "(212) 555-0190", "called_at": "2026-11-24T13:30:00-05:00"}).encode()
    signed = {"X-Contact-Signature": sign(secret, body)}
    with caplog.at_level(logging.WARNING, logger=SECURITY_LOG):
        away = client.post(
            "/webhooks/inbound-callback",
            data=body,
            content_type="application/json",
            headers=signed,
            environ_base={"REMOTE_ADDR": "192.0.2.10"},
        )
        webhook = client.post("/webhooks/twilio/status?attempt=1", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert (away.status_code, away.json["error"]["status"]) == (403, 403)
    assert webhook.status_code == 403
    assert all("published development secrets" in message for message in _refused_from(caplog))
    here = client.post("/webhooks/inbound-callback", data=body, content_type="application/json", headers=signed)
    assert here.status_code == 200
