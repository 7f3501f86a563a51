"""The audit log made tamper-evident (docs/safeguards.md §6).

- `case_id` holds any case reference the edge accepts (64 characters, bot/actions.py): a longer
  one failed the refusal's own audit row on PostgreSQL. SQLite does not enforce the length.
- `chain`: each new row carries a keyed hash over itself and the row before it, so a row
  changed or removed by someone who bypassed the triggers shows up in `app.py --verify-audit`.
  Rows written before this migration have none (the key is not available to a migration).
- PostgreSQL refuses TRUNCATE (the row triggers do not see it); SQLite refuses an INSERT that
  would replace an existing row (INSERT OR REPLACE deletes without firing delete triggers).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("chain", sa.String(64), nullable=True))
    if _postgresql():
        op.alter_column("audit_log", "case_id", type_=sa.String(64))
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def downgrade() -> None:
    if _postgresql():
        # case_id stays 64 wide: narrowing it would fail on any longer reference now stored.
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.drop_column("audit_log", "chain")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    # SQLite rebuilds the table to drop a column, which drops its triggers: put them back.
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("chain")
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
