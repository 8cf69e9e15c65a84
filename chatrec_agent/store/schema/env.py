"""Alembic's environment: the connection comes from schema.upgrade (or the alembic command line,
on the database its -x url names), never from a config file's credentials."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic -x url=sqlite:///history.sqlite3 upgrade head`, by hand
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("Give the database: alembic -c chatrec_agent/store/schema/alembic.ini -x url=… <command>")
    with sa.create_engine(url).connect() as own:
        context.configure(connection=own, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
        own.commit()
else:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
