"""WSGI target for gunicorn: `gunicorn contact_service.wsgi:app`."""

from contact_service import create_app

app = create_app()
