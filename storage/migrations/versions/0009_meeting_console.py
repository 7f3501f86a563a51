"""The chair's console: the item in hand (its case papers are shown) and where each console
message is in its holder's chat, so it can be brought up to date in place; and the chair's
corrections on the day (a vote re-opened, an outcome changed), with the reasons as typed.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("meetings", sa.Column("in_hand", sa.String(32), nullable=True))
    op.add_column("meetings", sa.Column("consoles", sa.JSON(), nullable=True))
    op.add_column("meetings", sa.Column("corrections_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("corrections_enc")
        batch.drop_column("consoles")
        batch.drop_column("in_hand")
