"""Alembic environment: runs against the engine handed over by migrate.py."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from contact_service.adapters.db import access_models, escalation_models  # noqa: F401  (their tables)
from contact_service.adapters.db.models import Base
from contact_service.adapters.db.types import UTCDateTime

config = context.config
engine = config.attributes["engine"]


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write plain SQLAlchemy types into migrations so history never imports application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
