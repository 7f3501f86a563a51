"""Delivery: two outbox columns, when a send began whose outcome is not known (a dropped
connection, a 5xx, a worker killed mid-send), so the next attempt first looks for it, and when
business support were told of a message given up on, so they are told once; and the delivery
workers alive now, so the instances share Teams' rate limits. And when a finished message's
content was erased by the retention sweep (its key stays, so it is never sent again).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("unconfirmed_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("outbox", sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "outbox", sa.Column("content_erased_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "delivery_workers",
        sa.Column("worker", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_workers")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("content_erased_at")
        batch.drop_column("reported_at")
        batch.drop_column("unconfirmed_since")
