"""The initial schema: roster, cases, meetings, votes, outbox, audit log.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("panel_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_actor", ["actor"], unique=False)
        batch_op.create_index("ix_audit_case", ["case_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("panel_id", sa.String(length=64), nullable=False),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("reference_enc", sa.Text(), nullable=False),
        sa.Column("locality", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("presenting_needs_enc", sa.Text(), nullable=False),
        sa.Column("consent_given_by_enc", sa.Text(), nullable=True),
        sa.Column("consent_given_on", sa.Date(), nullable=True),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referred_by", sa.String(length=64), nullable=False),
        sa.Column("times_rolled_over", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_panel_reference", ["panel_id", "reference_hash"], unique=False
        )
        batch_op.create_index("ix_cases_panel_status", ["panel_id", "status"], unique=False)

    op.create_table(
        "conversation_references",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "person_id", name=op.f("pk_conversation_references")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("panel_id", sa.String(length=64), nullable=False),
        sa.Column("panel_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("minutes_enc", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("panel_id", "panel_date", name=op.f("uq_meetings_panel_id_panel_date")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload_enc", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["sent_at", "next_attempt_at"], unique=False)

    op.create_table(
        "panels",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("policy_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panels")),
    )
    op.create_table(
        "processed_activities",
        sa.Column("activity_id", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_processed_activities")),
    )
    op.create_table(
        "actions",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("text_enc", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_actions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_actions")),
    )
    op.create_table(
        "agencies",
        sa.Column("panel_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key_member", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panels.id"],
            name=op.f("fk_agencies_panel_id_panels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("panel_id", "name", name=op.f("pk_agencies")),
    )
    op.create_table(
        "agenda_items",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("locality", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agenda_items_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_items_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "number", name=op.f("pk_agenda_items")),
    )
    op.create_table(
        "agenda_overflow",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("locality", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_agenda_overflow_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_agenda_overflow_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name=op.f("pk_agenda_overflow")),
    )
    op.create_table(
        "attendance",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("presence", sa.String(length=16), nullable=False),
        sa.Column("accepted_statement", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_attendance_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "person_id", name=op.f("pk_attendance")),
    )
    op.create_table(
        "capacities",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("allocations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_capacities_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "agency", name=op.f("pk_capacities")),
    )
    op.create_table(
        "case_people",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("date_of_birth_enc", sa.Text(), nullable=True),
        sa.Column("relationship_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_people_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "position", name=op.f("pk_case_people")),
    )
    op.create_table(
        "case_transitions",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reason_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_transitions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "seq", name=op.f("pk_case_transitions")),
    )
    op.create_table(
        "circulations",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_circulations_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "seq", name=op.f("pk_circulations")),
    )
    op.create_table(
        "conflicts",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_conflicts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_conflicts_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", "agency", name=op.f("pk_conflicts")),
    )
    op.create_table(
        "decisions",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("lead_agency", sa.String(length=200), nullable=True),
        sa.Column("taf_agencies", sa.JSON(), nullable=False),
        sa.Column("first_taf_within", sa.JSON(), nullable=True),
        sa.Column("rationale_enc", sa.Text(), nullable=False),
        sa.Column("dissent_enc", sa.Text(), nullable=False),
        sa.Column("vote_round_id", sa.String(length=32), nullable=True),
        sa.Column("meeting_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_decisions_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "info_checks",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("known", sa.String(length=16), nullable=False),
        sa.Column("information_enc", sa.Text(), nullable=False),
        sa.Column("could_lead", sa.Boolean(), nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_info_checks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_info_checks_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", "agency", name=op.f("pk_info_checks")),
    )
    op.create_table(
        "meeting_steps",
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_steps_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "key", name=op.f("pk_meeting_steps")),
    )
    op.create_table(
        "milestones",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("after", sa.String(length=64), nullable=True),
        sa.Column("brings_back_to_panel", sa.Boolean(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("not_possible_enc", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_milestones_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f("pk_milestones")),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index("ix_milestones_due", ["due"], unique=False)

    op.create_table(
        "people",
        sa.Column("panel_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("deputy_of", sa.String(length=64), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("has_teams", sa.Boolean(), nullable=False),
        sa.Column("manager_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["panels.id"], name=op.f("fk_people_panel_id_panels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("panel_id", "person_id", name=op.f("pk_people")),
    )
    op.create_table(
        "vote_rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("meeting_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("eligible", sa.JSON(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_vote_rounds_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_vote_rounds_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_rounds")),
    )
    op.create_table(
        "votes",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("choice", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["vote_rounds.id"],
            name=op.f("fk_votes_round_id_vote_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "agency", name=op.f("pk_votes")),
    )
    _audit_log_append_only()


# The audit log is append-only (docs/safeguards.md §6): the database itself refuses updates and
# deletes, so no code path, bug or hand-run statement can rewrite history.
def _audit_log_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only';
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def _drop_audit_log_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb}")


def downgrade() -> None:
    _drop_audit_log_triggers()
    op.drop_table("votes")
    op.drop_table("vote_rounds")
    op.drop_table("people")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index("ix_milestones_due")

    op.drop_table("milestones")
    op.drop_table("meeting_steps")
    op.drop_table("info_checks")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_meeting_id"))

    op.drop_table("decisions")
    op.drop_table("conflicts")
    op.drop_table("circulations")
    op.drop_table("case_transitions")
    op.drop_table("case_people")
    op.drop_table("capacities")
    op.drop_table("attendance")
    op.drop_table("agenda_overflow")
    op.drop_table("agenda_items")
    op.drop_table("agencies")
    op.drop_table("actions")
    op.drop_table("processed_activities")
    op.drop_table("panels")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    op.drop_table("meetings")
    op.drop_table("conversation_references")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_panel_status")
        batch_op.drop_index("ix_cases_panel_reference")

    op.drop_table("cases")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_case")
        batch_op.drop_index("ix_audit_actor")

    op.drop_table("audit_log")
