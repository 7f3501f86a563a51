"""Delivery: what each queued message depends on (its sitting, cases, vote; ids and states
only), so the worker drops one whose reason has gone; and when, and why, it was dropped
(docs/safeguards.md §11). Rows queued before this have no `queued_for` and are sent as before.
And when each message was queued, so the worker gives up on time (24 hours), not on a count
of attempts that honoured throttling would use up in seconds.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("queued_for", sa.JSON(), nullable=True))
    op.add_column("outbox", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox SET queued_at = next_attempt_at")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("queued_at")
        batch.drop_column("cancelled_at")
        batch.drop_column("queued_for")
