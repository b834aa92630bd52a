"""`contact-service dispatcher`: the process that keeps calls moving."""

from __future__ import annotations

import signal
import threading

from contact_service.cli import Context, cli, pass_context, require_redis


@cli.command()
@pass_context
def dispatcher(context: Context) -> None:
    """Settle call attempts from the event log (and, with campaigns, dispatch and reconcile calls). Exits 2 if
    Redis or the database do not answer at start; later outages are waited out, said once a minute."""
    from workers.dispatcher import Dispatcher

    container = context.container  # checks the database and its schema
    require_redis(container)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    Dispatcher(container).run_forever(stop)
