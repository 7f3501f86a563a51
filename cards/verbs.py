"""The `Action.Execute` verbs: the only actions the bot accepts from a card.

Each card action carries a verb and opaque references (panel, meeting and case ids) in its data;
the edge re-checks identity and role on every one. A verb is named `<thing>.<action>`, and the
use case it runs writes the same name to the audit log (docs/glossary.md).
"""

from __future__ import annotations

from enum import StrEnum


class Verb(StrEnum):
    # Intake and screening
    CASE_NEW_FORM = "case.new-form"
    CASE_REFER = "case.refer"
    CASE_EDIT_FORM = "case.edit-form"
    CASE_EDIT = "case.edit"
    CASE_WITHDRAW = "case.withdraw"
    CASE_SCREEN = "case.screen"
    CASE_LIST = "case.list"
    CASE_FIND = "case.find"
    # The week before the panel
    AGENDA_VIEW = "agenda.view"
    AGENDA_FREEZE = "agenda.freeze"
    AGENDA_CIRCULATE = "agenda.circulate"
    READINESS_VIEW = "readiness.view"
    REMINDERS_SEND = "reminders.send"
    DELIVERY_VIEW = "delivery.view"
    TASKS_VIEW = "tasks.view"
    # Information checks
    PACK_OPEN = "pack.open"
    PACK_CASE = "pack.case"
    INFOCHECK_RECORD = "infocheck.record"
    INFOCHECK_NOT_KNOWN_REST = "infocheck.not-known-rest"
    CAPACITY_RECORD = "capacity.record"
    # Panel day
    PANEL_START = "panel.start"
    PANEL_CONSOLE = "panel.console"
    PANEL_SHARED = "panel.shared"
    PANEL_SIGN_IN = "panel.sign-in"
    PANEL_CLOSE = "panel.close"
    PANEL_AOB = "panel.aob"
    PANEL_AOB_FORM = "panel.aob-form"
    CASE_OPEN = "case.open"
    CONFLICT_DECLARE = "conflict.declare"
    CONFLICT_WITHDRAW = "conflict.withdraw"
    AGENDA_ADD = "agenda.add"
    # Votes
    VOTE_OPEN = "vote.open"
    VOTE_CAST = "vote.cast"
    VOTE_CLOSE = "vote.close"
    VOTE_CASTING = "vote.casting"
    VOTE_REOPEN = "vote.reopen"
    # Outcomes
    OUTCOME_FORM = "outcome.form"
    OUTCOME_RECORD = "outcome.record"
    OUTCOME_RECORDED = "outcome.recorded"

    ESCALATION_FORM = "escalation.form"
    ESCALATION_RECORD = "escalation.record"
    ESCALATION_VIEW = "escalation.view"
    ESCALATION_RESOLVE_FORM = "escalation.resolve-form"
    ESCALATION_RESOLVE = "escalation.resolve"
    ESCALATION_RAISE = "escalation.raise"
    # Follow-up
    MILESTONE_DONE = "milestone.done"
    MILESTONE_NOT_POSSIBLE = "milestone.not-possible"
    MILESTONE_EXTEND = "milestone.extend"
    CASE_STUCK = "case.stuck"
    CASE_CLOSE = "case.close"
    CASE_STEP_UP = "case.step-up"
    MILESTONE_VIEW = "follow-up.view"
    LEAD_NAME = "lead.name"
    CASELOADS_VIEW = "caseloads.view"
    LEAD_HAND_OVER = "lead.hand-over"


# Cards already in people's chats keep the verbs they were sent with (a pack circulated last
# week, a milestone nudge from last month), so the names verbs had before they were aligned
# with the audit log still work.
LEGACY = {
    "case.create": Verb.CASE_REFER,
    "case.update": Verb.CASE_EDIT,
    "cases.list": Verb.CASE_LIST,
    "infocheck.save": Verb.INFOCHECK_RECORD,
    "capacity.save": Verb.CAPACITY_RECORD,
    "case.conflict": Verb.CONFLICT_DECLARE,
    "case.recorded": Verb.OUTCOME_RECORDED,
}


def verb_of(name: str) -> Verb | None:
    """The verb a card sent, by its name now or its name before; None if we have no such."""
    try:
        return Verb(name)
    except ValueError:
        return LEGACY.get(name)


# The only verbs a card in a channel or group chat may carry: their answers hold no case data.
SHARED = frozenset({Verb.PANEL_SHARED})
