"""`contact-service simulator`: serve the Twilio-compatible call simulator until Ctrl-C."""

from __future__ import annotations

import threading
from urllib.parse import urlparse

import click

from contact_service.cli import Context, cli, fail, pass_context
from contact_service.simulator import SimulatorConfig, SimulatorServer

DEFAULT_PORT = 8765


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=int, default=None, help="Port [default: the port of settings.simulator_url, 8765].")
@click.option(
    "--speed",
    type=float,
    default=None,
    help="Simulated time runs this many times faster [default: the speed of CONTACT_CLOCK, else 1].",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the persona mix and of injected faults.")
@click.option("--cps", type=int, default=50, show_default=True, help="Call starts per second for the account.")
@click.option("--duplicate-rate", type=float, default=0.0, show_default=True, help="Share of callbacks sent twice.")
@click.option("--reorder-rate", type=float, default=0.0, show_default=True, help="Share of status callbacks held back.")
@click.option(
    "--silence-patience",
    type=float,
    default=60.0,
    show_default=True,
    help="Simulated seconds of silence before whoever answered hangs up.",
)
@pass_context
def simulator(
    context: Context,
    host: str,
    port: int | None,
    speed: float | None,
    seed: int,
    cps: int,
    duplicate_rate: float,
    reorder_rate: float,
    silence_patience: float,
) -> None:
    """Serve a Twilio-compatible voice-call simulator (REST API in, signed webhooks out)."""
    settings = context.container.settings
    try:
        config = SimulatorConfig.from_mapping(
            {
                # The service's own credentials, so its SDK calls authenticate and its signature checks pass.
                "account_sid": settings.twilio_account_sid,
                "auth_token": settings.twilio_auth_token,
                "speed": speed if speed is not None else context.container.clock.speed,
                "seed": seed,
                "cps": cps,
                "duplicate_rate": duplicate_rate,
                "reorder_rate": reorder_rate,
                "silence_patience": silence_patience,
            }
        )
    except ValueError as exc:
        fail(f"simulator: {exc}")
    if port is None:
        port = urlparse(settings.simulator_url).port or DEFAULT_PORT
    server = SimulatorServer(config, clock=context.container.clock, host=host, port=port)
    try:
        server.start()
    except OSError as exc:
        fail(f"simulator: cannot listen on {host}:{port}: {exc.strerror or exc}")
    except ValueError as exc:  # the published auth token on an interface beyond this machine
        fail(f"simulator: {exc}")
    click.echo(f"Twilio simulator for account {config.account_sid} listening on {server.url} (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        server.stop()
