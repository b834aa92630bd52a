"""contact_service: compliant automated call campaigns for overdue tax cases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The Flask application (webhooks, API, dashboard). Does no work at import time."""
    from contact_service.web.app import build_app

    return build_app(overrides)
