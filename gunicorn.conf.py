"""Read by gunicorn from the working directory (the Procfile's `web` process): the service's settings."""

from contact_service.gunicorn_config import access_log_format, accesslog, control_socket_disable

__all__ = ["access_log_format", "accesslog", "control_socket_disable"]
