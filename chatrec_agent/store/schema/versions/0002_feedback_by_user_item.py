"""A person's latest word on one item is read by (user, item), newest first, on both databases:
SQLite gets the index PostgreSQL has had since its first migration.

Revision 0002, after 0001. Written once for SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import op

from chatrec_agent.store.schema import record_for_earlier_releases

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("feedback_by_user_item", "feedback", ["user_id", "item_id", "id"], if_not_exists=True)
    record_for_earlier_releases(11, "feedback_by_user_item")


def downgrade() -> None:
    op.drop_index("feedback_by_user_item", "feedback")
