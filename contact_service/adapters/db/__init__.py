"""SQLAlchemy adapter: models, engine, migrations and the repositories built on them."""
