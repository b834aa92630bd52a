"""Every route has a body limit: a longer body gets 413 before it is read, parsed, hashed or authenticated — by
its Content-Length, and, when it is streamed without one (chunked), as soon as the reading passes the limit.
The API and the inbound callback answer in the one JSON error shape (real PostgreSQL and Redis)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from contact_service.adapters import counters
from contact_service.bootstrap import Container
from contact_service.web.app import body_limit, build_app
from contact_service.web.inbound_callback import sign
from tests.e2e.live import serve
from tests.integration.conftest import INBOUND_SECRET

API_ROUTE = "/api/v1/campaigns"
WEBHOOK_ROUTE = "/webhooks/twilio/status?attempt=1"
INBOUND_ROUTE = "/webhooks/inbound-callback"


def test_each_route_has_its_own_limit() -> None:
    assert body_limit("/webhooks/inbound-callback") == 8 * 1024
    assert body_limit("/webhooks/twilio/status") == 64 * 1024
    assert body_limit("/api/v1/campaigns") == 2 * 1024 * 1024
    assert body_limit("/healthz") < body_limit("/webhooks/twilio/voice")


def test_an_oversized_api_body_is_413_in_the_json_shape_before_the_token_is_even_checked(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    oversized = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    for headers in ({}, token_for("operator")):  # no token at all: still 413, nothing was authenticated
        reply = api_client.post(API_ROUTE, data=oversized, content_type="application/json", headers=headers)
        assert reply.status_code == 413
        assert reply.json["error"]["status"] == 413
        assert "2097152 bytes" in reply.json["error"]["message"]


def test_a_body_within_the_limit_is_read_as_usual(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    padded = b'{"name": "padded"' + b" " * (1024 * 1024) + b"}"
    reply = api_client.post(API_ROUTE, data=padded, content_type="application/json", headers=token_for("operator"))
    assert reply.status_code != 413
    assert reply.status_code < 500


def test_an_oversized_inbound_report_is_413_json_and_never_hashed(api_client, api_container: Container) -> None:  # type: ignore[no-untyped-def]
    body = b'{"caller": "' + b"1" * 9000 + b'", "called_at": "2026-11-24T13:30:00-05:00"}'
    reply = api_client.post(
        INBOUND_ROUTE,
        data=body,
        content_type="application/json",
        headers={"X-Contact-Signature": sign(INBOUND_SECRET, body)},
    )
    assert reply.status_code == 413
    assert reply.json["error"]["status"] == 413
    # Refused before the signature was computed: no signature refusal was counted for it either.
    assert "inbound_callback_signature_refused" not in counters.read_all(api_container.redis)


def test_an_oversized_twilio_webhook_is_413_before_the_signature_check(api_client, api_container: Container) -> None:  # type: ignore[no-untyped-def]
    form = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed", "Padding": "x" * (70 * 1024)}
    reply = api_client.post(WEBHOOK_ROUTE, data=form, headers={"X-Twilio-Signature": "forged"})
    assert reply.status_code == 413
    assert "webhook_signature_refused" not in counters.read_all(api_container.redis)


@pytest.fixture
def live(api_container: Container) -> Iterator[tuple[str, int]]:
    """The app behind a real threaded HTTP server (werkzeug's, which decodes chunked bodies as gunicorn does)."""
    app: Flask = build_app(container=api_container)
    with serve(app) as server:
        yield "127.0.0.1", server.server_port


def _stream_chunked(
    address: tuple[str, int], path: str, content_type: str, headers: dict[str, str]
) -> tuple[int, bytes, int]:
    """POST a chunked body with no Content-Length that would never end, until the server answers; returns the
    status, the response body and how many body bytes were sent by then."""
    sock = socket.create_connection(address, timeout=10)
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {address[0]}",
        "Transfer-Encoding: chunked",
        f"Content-Type: {content_type}",
    ]
    head += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"[" * 4096
    sent = 0
    sock.setblocking(False)
    received = b""
    deadline = time.monotonic() + 20
    try:
        while b"\r\n\r\n" not in received and time.monotonic() < deadline:
            try:
                received += sock.recv(65536)
                continue
            except BlockingIOError:
                pass
            if sent < 64 * 1024 * 1024:  # far past every limit: a server without one would still be reading
                try:
                    sock.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.01)
            else:
                time.sleep(0.01)
        sock.setblocking(True)
        sock.settimeout(5)
        try:
            while not _complete(received):
                more = sock.recv(65536)
                if not more:
                    break
                received += more
        except (TimeoutError, ConnectionResetError):
            pass
    finally:
        sock.close()
    status_line, _, rest = received.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1."), received[:200]
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2], sent


def _complete(response: bytes) -> bool:
    """Whether the response's head and its whole Content-Length of body have arrived."""
    head, separator, body = response.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return True


@pytest.mark.parametrize(
    ("path", "content_type", "json_errors"),
    [
        (API_ROUTE, "application/json", True),
        (INBOUND_ROUTE, "application/json", True),
        (WEBHOOK_ROUTE, "application/x-www-form-urlencoded", False),
    ],
)
def test_a_streamed_body_without_content_length_is_cut_off_at_the_limit(
    live: tuple[str, int], token_for, path: str, content_type: str, json_errors: bool
) -> None:  # type: ignore[no-untyped-def]
    headers = (
        token_for("operator") if path == API_ROUTE else {"X-Contact-Signature": "sha256=0", "X-Twilio-Signature": "x"}
    )
    status, body, sent = _stream_chunked(live, path, content_type, headers)
    assert status == 413
    limit = body_limit(path.partition("?")[0])
    # The server stopped reading near the limit, not at the end of a body that never ends.
    assert sent < limit + 8 * 1024 * 1024
    if json_errors:
        assert b'"status":413' in body.replace(b" ", b"")
