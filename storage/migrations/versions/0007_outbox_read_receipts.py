"""Delivery the business support desk can show: the id Teams gave each sent message, and when a
read receipt covered it (Teams sends one for 1:1 chats when the person has read up to a message).

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("teams_message_id", sa.String(100), nullable=True))
    op.add_column("outbox", sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("read_at")
        batch.drop_column("teams_message_id")
