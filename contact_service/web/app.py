"""The application factory, and what every request and response goes through: body limits, the proxies whose
forwarding headers are believed, NUL-free input, and security headers."""

from __future__ import annotations

import io
import ipaddress
import logging
from typing import IO, Any

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from contact_service.adapters.twiml import safe_twiml
from contact_service.bootstrap import Container, bootstrap
from contact_service.config import PUBLISHED_SECRETS
from contact_service.services.webhook_urls import GATHER_PATH, VOICE_PATH
from contact_service.web.context import EXTENSION_KEY, container
from contact_service.web.errors import error_response, speaks_json

security_log = logging.getLogger("contact_service.security")

KIB = 1024
# The largest body each route accepts. A longer one is refused with 413 before it is read, parsed, hashed or
# authenticated: by its Content-Length when it has one, and when it is streamed without one (chunked), as soon
# as the reading passes the limit. First match wins.
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/webhooks/twilio/", 64 * KIB),  # Twilio's form posts: a few dozen short parameters
    ("/webhooks/inbound-callback", 8 * KIB),  # a caller, a time and a call id
    ("/api/", 2 * KIB * KIB),  # the largest is a campaign naming 10,000 case numbers
)
DEFAULT_BODY_LIMIT = 16 * KIB  # health probes and anything not listed take no real body
MAX_FORM_PARTS = 200  # Twilio sends about thirty parameters
HSTS = "max-age=31536000; includeSubDomains"
TWIML_PATHS = frozenset({VOICE_PATH, GATHER_PATH})  # answered with TwiML while a caller listens


def body_limit(path: str) -> int:
    """The most bytes of request body the route at `path` accepts."""
    return next((limit for prefix, limit in BODY_LIMITS if path.startswith(prefix)), DEFAULT_BODY_LIMIT)


def build_app(overrides: dict[str, Any] | None = None, container: Container | None = None) -> Flask:
    """Create the Flask app around a container (built from settings and `overrides` unless given)."""
    app = Flask(__name__)
    system = container or bootstrap(overrides)
    app.extensions[EXTENSION_KEY] = system
    # No app-wide MAX_CONTENT_LENGTH: limit_body sets each request's own.
    app.config.update(MAX_FORM_PARTS=MAX_FORM_PARTS)
    hops = system.settings.trusted_proxy_hops
    if hops:
        # Only the configured number of proxies' X-Forwarded-For/-Proto entries are believed (the rightmost
        # ones, which our own proxies appended); with 0 nothing a client sends changes request.remote_addr.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.before_request(limit_body)
    app.before_request(published_secrets_serve_this_machine_only)
    app.before_request(refuse_nul_characters)
    app.after_request(security_headers)

    from contact_service.web.api import install as install_api
    from contact_service.web.health import health
    from contact_service.web.inbound_callback import inbound_callbacks
    from contact_service.web.twilio_webhooks import twilio_webhooks

    app.register_blueprint(health)
    app.register_blueprint(twilio_webhooks)
    app.register_blueprint(inbound_callbacks)
    install_api(app)
    return app


def limit_body() -> None:
    """Hold the request to its route's body limit: a declared length over it is refused before anything is
    read; a body streamed without a length (chunked) is refused the moment the reading passes the limit."""
    limit = body_limit(request.path)
    if request.content_length is not None:
        if request.content_length > limit:
            raise _too_large(limit)
        request.max_content_length = limit
    elif request.environ.get("wsgi.input_terminated"):
        # The server delimits a chunked body. Werkzeug's own maximum would silently stop reading at the limit
        # (the view would see a truncated body), so the stream itself refuses to go past it.
        request.environ["wsgi.input"] = _CappedInput(request.environ["wsgi.input"], limit)
    # Otherwise there is no body to read: werkzeug gives the view an empty stream.


class _CappedInput(io.RawIOBase):
    """A streamed request body that raises 413 as soon as more than `limit` bytes have come in."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__()
        self._stream, self._limit, self._read = stream, limit, 0

    def readable(self) -> bool:
        """Always: it is an input stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into `buffer`, asking for at most one byte past the limit so that crossing it is seen."""
        wanted = min(len(buffer), self._limit - self._read + 1)
        data = self._stream.read(wanted)
        self._read += len(data)
        if self._read > self._limit:
            raise _too_large(self._limit)
        buffer[: len(data)] = data
        return len(data)


def _too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"the request body is larger than this endpoint accepts ({limit} bytes)")


def published_secrets_serve_this_machine_only() -> Response | None:
    """On the published development secrets (allowed only while PUBLIC_BASE_URL is this machine) a webhook is
    answered only from this machine: anyone can sign with those secrets, so a server bound to every interface
    (the Procfile's 0.0.0.0) must not take signed requests from elsewhere."""
    settings = container().settings
    path = request.path
    if path.startswith("/webhooks/twilio/"):
        secret = settings.twilio_auth_token
    elif path.startswith("/webhooks/inbound-callback"):
        secret = settings.inbound_callback_secret
    else:
        return None
    if secret not in PUBLISHED_SECRETS or _is_loopback(request.remote_addr):
        return None
    security_log.warning(
        "refused %s from %s: this service runs on published development secrets and answers only this machine",
        path,
        request.remote_addr,
    )
    message = "forbidden: development secrets; only this machine is served"
    if speaks_json(path):
        return error_response(403, message)
    return Response(message + "\n", status=403, mimetype="text/plain")


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def refuse_nul_characters() -> Response | None:
    """A NUL in a query parameter or form field is never meant (PostgreSQL cannot even store one): 400 naming
    the parameter, before any view sees it. JSON bodies are checked where they are parsed (the API and the
    inbound callback take only JSON: their bodies are left unread here, as their views read them raw)."""
    sources = [("query", request.args)] + ([] if speaks_json(request.path) else [("form", request.form)])
    for where, values in sources:
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                shown = name.replace("\x00", "\\0")
                security_log.warning(
                    "refused %s %s from %s: NUL character in %s parameter %r",
                    request.method,
                    request.path,
                    request.remote_addr,
                    where,
                    shown,
                )
                message = f"{shown}: must not contain NUL characters"
                if speaks_json(request.path):
                    return error_response(400, message, shown)
                if request.path in TWIML_PATHS:
                    # A caller is on the line: she hears the official-number message, never an error.
                    return Response(safe_twiml(), status=200, mimetype="application/xml")
                return Response(message + "\n", status=400, mimetype="text/plain")
    return None


def security_headers(response: Response) -> Response:
    """Headers every response carries. Anything may hold case data, so nothing is stored by a cache unless a view
    says otherwise; HSTS once the service is reached over https."""
    headers = response.headers
    headers.setdefault("Cache-Control", "no-store")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.is_secure or container().settings.public_base_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
