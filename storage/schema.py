"""Tables. Columns ending in `_enc` hold ciphertext (see `crypto.py`); nothing else may hold
child or family identifiers or free text typed by people."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from panel.ports import REFERENCE_LENGTH

# Stable constraint names, so migrations can refer to them on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 32  # uuid4 hex
NAME = 200


def utc(name: str, **kw: object) -> Column[object]:
    return Column(name, DateTime(timezone=True), **kw)  # type: ignore[arg-type]


# -- Roster (from configuration) --------------------------------------------------------------

panels = Table(
    "panels",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("tenant_id", String(64), nullable=False, default=""),
    Column("policy_key", String(64), nullable=False),
)

agencies = Table(
    "agencies",
    metadata,
    Column("panel_id", ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(NAME), primary_key=True),
    Column("key_member", Boolean, nullable=False, default=False),
)

people = Table(
    "people",
    metadata,
    Column("panel_id", ForeignKey("panels.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", String(64), primary_key=True),  # Entra ID object id
    Column("name", String(NAME), nullable=False),
    Column("email", String(NAME), nullable=False, default=""),
    Column("agency", String(NAME)),
    Column("deputy_of", String(64)),
    Column("roles", JSON, nullable=False),
    Column("has_teams", Boolean, nullable=False, default=True),
    Column("manager_id", String(64)),
)

# -- Cases ------------------------------------------------------------------------------------

cases = Table(
    "cases",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("panel_id", String(64), nullable=False),
    Column("reference_hash", String(64), nullable=False),  # keyed hash, for look-up
    Column("reference_enc", Text, nullable=False),
    Column("locality", String(NAME), nullable=False),
    Column("route", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("presenting_needs_enc", Text, nullable=False),
    Column("consent_given_by_enc", Text),
    Column("consent_given_on", Date),
    Column("referrer_enc", Text),  # {"name", "agency", "contact"} as JSON, encrypted
    Column("escalation_enc", Text),  # panel.escalations.Escalation as JSON, encrypted
    Column("lead_enc", Text),  # panel.leads.LeadRole as JSON (who held it, why it moved)
    utc("referred_at", nullable=False),
    Column("referred_by", String(64), nullable=False, default=""),
    Column("times_rolled_over", Integer, nullable=False, default=0),
    # Retention
    utc("closed_at"),
    Column("legal_hold", Boolean, nullable=False, default=False),
    utc("anonymised_at"),
    Index("ix_cases_panel_reference", "panel_id", "reference_hash"),
    Index("ix_cases_panel_status", "panel_id", "status"),
)

case_people = Table(
    "case_people",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # child | family
    Column("name_enc", Text, nullable=False),
    Column("date_of_birth_enc", Text),
    Column("relationship_enc", Text, nullable=False),
)

case_transitions = Table(
    "case_transitions",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    utc("at", nullable=False),
    Column("event", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("reason_enc", Text, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("outcome", String(64), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("lead_agency", String(NAME)),
    Column("taf_agencies", JSON, nullable=False),
    Column("first_taf_within", JSON),
    Column("rationale_enc", Text, nullable=False),
    Column("dissent_enc", Text, nullable=False),
    Column("vote_round_id", String(ID)),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="SET NULL"), index=True),
    Column("also_outcomes", JSON),  # further outcomes combined with `outcome`
    Column("checklist_enc", Text),  # [[line, answer], ...] as JSON, encrypted
    Column("agreed", Boolean),  # agreed without a vote, as the chair recorded it
    Column("escalated", Boolean),  # decided by resolving an escalation
)

actions = Table(
    "actions",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("owner", String(NAME), nullable=False),
    Column("text_enc", Text, nullable=False),
    Column("due", Date, nullable=False),
)

milestones = Table(
    "milestones",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("label", String(NAME), nullable=False),
    Column("due", Date, nullable=False),
    Column("after", String(64)),
    Column("brings_back_to_panel", Boolean, nullable=False),
    Column("done_on", Date),
    Column("not_possible_enc", Text, nullable=False),
    Column("owner", String(NAME)),  # the agency doing it, when it is not the lead's
    Column("extended_enc", Text),  # who agreed an extension in supervision, and why
    Index("ix_milestones_due", "due"),
)

# -- Meetings ---------------------------------------------------------------------------------

meetings = Table(
    "meetings",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("panel_id", String(64), nullable=False),
    Column("panel_date", Date, nullable=False),
    Column("status", String(32), nullable=False),
    Column("frozen", Boolean, nullable=False, default=False),
    Column("minutes_enc", Text),  # JSON; actions are free text, so encrypted
    Column("aob_enc", Text),  # JSON list of any other business the chair noted; free text
    Column("in_hand", String(ID)),  # the case whose papers are on the chair's console
    Column("consoles", JSON),  # person id: the Teams message id of their console
    Column("corrections_enc", Text),  # JSON list of the chair's corrections; reasons are typed
    UniqueConstraint("panel_id", "panel_date"),
)

agenda_items = Table(
    "agenda_items",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("section", String(32), nullable=False),
    Column("locality", String(NAME), nullable=False),
)

agenda_overflow = Table(
    "agenda_overflow",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("locality", String(NAME), nullable=False),
    Column("reason", Text, nullable=False),
)

circulations = Table(
    "circulations",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("person_id", String(64), nullable=False),
    Column("agency", String(NAME), nullable=False),
    Column("case_ids", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("basis", Text, nullable=False),
    utc("at", nullable=False),
)

info_checks = Table(
    "info_checks",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("agency", String(NAME), primary_key=True),
    Column("known", String(16), nullable=False),
    Column("information_enc", Text, nullable=False),
    Column("could_lead", Boolean, nullable=False),
    Column("answered_by", String(64), nullable=False),
    utc("answered_at", nullable=False),
    Column("late", Boolean, nullable=False),
)

capacities = Table(
    "capacities",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("agency", String(NAME), primary_key=True),
    Column("allocations", Integer, nullable=False),
)

attendance = Table(
    "attendance",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("agency", String(NAME), nullable=False),
    Column("presence", String(16), nullable=False),
    Column("accepted_statement", Boolean, nullable=False),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("agency", String(NAME), primary_key=True),
)

vote_rounds = Table(
    "vote_rounds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("candidates", JSON, nullable=False),
    Column("eligible", JSON, nullable=False),
    Column("rule", JSON, nullable=False),
    Column("state", String(32), nullable=False),
    Column("result", JSON),
)

votes = Table(
    "votes",
    metadata,
    Column("round_id", ForeignKey("vote_rounds.id", ondelete="CASCADE"), primary_key=True),
    # One vote per agency per round: the primary key is the safeguard (docs/safeguards.md §5).
    Column("agency", String(NAME), primary_key=True),
    Column("choice", String(NAME), nullable=False),
)

meeting_steps = Table(
    "meeting_steps",
    metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(200), primary_key=True),  # idempotency keys of steps taken
)

# -- The Teams edge and delivery --------------------------------------------------------------

conversation_references = Table(
    "conversation_references",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),  # or "channel:<panel id>"
    Column("reference", JSON, nullable=False),
    utc("updated_at", nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("recipient", String(100), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload_enc", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    utc("next_attempt_at", nullable=False),
    utc("lease_until"),
    Column("leased_by", String(64)),
    utc("sent_at"),
    Column("last_error", String(500)),
    # The first send whose outcome is not known; the next attempt reconciles from here.
    utc("unconfirmed_since"),
    # When business support were told this message was given up on (bot/undelivered.py).
    utc("reported_at"),
    # When the retention sweep erased a finished message's content (storage/retention.py).
    utc("content_erased_at"),
    # What the message depends on (panel/relevance.py: ids and states, no case data), and when
    # the worker dropped it because that had gone; `last_error` then says why.
    Column("queued_for", JSON),
    utc("cancelled_at"),
    utc("queued_at"),  # the worker gives up on a message 24 hours after this
    # The id Teams gave the sent message, and when a read receipt covered it (1:1 chats only).
    Column("teams_message_id", String(100)),
    utc("read_at"),
    Index("ix_outbox_due", "sent_at", "next_attempt_at"),
)

# Delivery workers seen lately (each instance has one): they divide Teams' rate limits.
delivery_workers = Table(
    "delivery_workers",
    metadata,
    Column("worker", String(64), primary_key=True),
    utc("seen_at", nullable=False),
)

# One row, written by /healthz: a database that can be read but not written is not ready.
health_probe = Table(
    "health_probe",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    utc("at", nullable=False),
)

processed_activities = Table(
    "processed_activities",
    metadata,
    Column("activity_id", String(200), primary_key=True),
    utc("processed_at", nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    utc("at", nullable=False),
    Column("actor", String(64), nullable=False),
    Column("tenant", String(64), nullable=False),
    Column("panel_id", String(REFERENCE_LENGTH), nullable=False),
    # Any case reference a card may carry, so a refusal about a made-up one is still recorded.
    Column("case_id", String(REFERENCE_LENGTH)),
    Column("action", String(64), nullable=False),
    Column("allowed", Boolean, nullable=False),
    Column("reason", String(64), nullable=False),
    # A keyed hash over this row and the one before it (storage/audit.py); none before 0005.
    Column("chain", String(64)),
    Index("ix_audit_actor", "actor"),
    Index("ix_audit_case", "case_id"),
)
