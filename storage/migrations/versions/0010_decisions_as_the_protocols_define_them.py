"""Decisions as the protocols define them (issue 15): several outcomes where the policy allows
a combination, the decision checklist's answers, whether the panel agreed without a vote or
the decision came from resolving an escalation; the agency doing a milestone when it is not
the lead (Barnet's Coordinator follow up) and who agreed its extension in supervision; and a
case's escalation (its stages, owner, interim service for the family and resolution) and its
named lead practitioner with every handover (issue 16), each free text encrypted like every
other.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("also_outcomes", sa.JSON(), nullable=True))
    op.add_column("decisions", sa.Column("checklist_enc", sa.Text(), nullable=True))
    op.add_column("decisions", sa.Column("agreed", sa.Boolean(), nullable=True))
    op.add_column("decisions", sa.Column("escalated", sa.Boolean(), nullable=True))
    op.add_column("cases", sa.Column("escalation_enc", sa.Text(), nullable=True))
    op.add_column("cases", sa.Column("lead_enc", sa.Text(), nullable=True))
    op.add_column("milestones", sa.Column("owner", sa.String(200), nullable=True))
    op.add_column("milestones", sa.Column("extended_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("milestones") as batch:
        batch.drop_column("extended_enc")
        batch.drop_column("owner")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("lead_enc")
        batch.drop_column("escalation_enc")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("escalated")
        batch.drop_column("agreed")
        batch.drop_column("checklist_enc")
        batch.drop_column("also_outcomes")
