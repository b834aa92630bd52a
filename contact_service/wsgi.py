"""WSGI target for gunicorn: `gunicorn contact_service.wsgi:app` (gunicorn.conf.py, read from the working
directory, sets the access log; `-c python:contact_service.gunicorn_config` names it from anywhere)."""

from contact_service import create_app
from contact_service.adapters.log_setup import configure_logging
from contact_service.config import load_settings

# Before the app exists, so that whatever it logs while starting is already masked and leveled.
configure_logging(load_settings().log_level)
app = create_app()
