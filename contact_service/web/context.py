"""The container of the app serving the current request (blueprints read it from here, not from the app module)."""

from __future__ import annotations

from flask import current_app

from contact_service.bootstrap import Container

EXTENSION_KEY = "contact_service"


def container() -> Container:
    """The container of the app handling the current request."""
    container_: Container = current_app.extensions[EXTENSION_KEY]
    return container_
