"""The reference for bench_webhooks.py: a bare Flask endpoint at the status webhook's path."""

from flask import Flask, Response

app = Flask(__name__)


@app.post("/webhooks/twilio/status")
def status() -> Response:
    """Accept the callback and do nothing."""
    return Response(status=204)
