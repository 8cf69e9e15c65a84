"""${message}

Revision ${up_revision}, after ${down_revision | comma,n}. Written once for SQLite and PostgreSQL.
"""

from alembic import op
import sqlalchemy as sa

from chatrec_agent.store.schema import record_for_earlier_releases
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}
    # record_for_earlier_releases(<10 + this revision's number>, "<name>")  # releases before Alembic refuse it


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
