"""The application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from contact_service.bootstrap import Container, bootstrap
from contact_service.web.context import EXTENSION_KEY


def build_app(overrides: dict[str, Any] | None = None, container: Container | None = None) -> Flask:
    """Create the Flask app around a container (built from settings and `overrides` unless given)."""
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = container or bootstrap(overrides)

    from contact_service.web.api import install as install_api
    from contact_service.web.health import health
    from contact_service.web.inbound_callback import inbound_callbacks
    from contact_service.web.twilio_webhooks import twilio_webhooks

    app.register_blueprint(health)
    app.register_blueprint(twilio_webhooks)
    app.register_blueprint(inbound_callbacks)
    install_api(app)
    return app
