"""A queued message as Teams will see it: the card for its body's type."""

from __future__ import annotations

import json
from typing import assert_never

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from cards import console, follow_up, outcomes, panel_day, week
from cards.common import Card, action, card, literal, message
from cards.verbs import Verb
from panel.messages import (
    ActionForAgency,
    Allocation,
    Ballot,
    CaseCard,
    Circulation,
    ConsoleUpdate,
    CorrectionNotice,
    Counts,
    DriftSummary,
    EscalationNotice,
    InfoCheckReminder,
    LeadNotice,
    MilestoneNudge,
    MinutesRecord,
    NoTeamsList,
    Outcome,
    RecordOnCaseSystem,
    ReferrerNews,
    RolledOver,
    SignInRequest,
    StepUpNotice,
    StillMissing,
    Stored,
    UndeliveredList,
    VoteResult,
)
from panel.usecases.info_checks import MemberPack


def render(stored: Stored) -> Card:
    """The card for a queued message, one line per body type; mypy checks that every type has
    one (`assert_never`). Only 1:1 bodies may carry case data; a channel notice is built from
    its counts and the use case's own sentence."""
    text, body = stored.text, stored.body
    match body:
        case Circulation():
            return week.circulation(pack_of(body))
        case InfoCheckReminder():
            return week.reminder(text, body.meeting_id)
        case Counts():
            return week.notice(text, dict(body.numbers))
        case SignInRequest():
            return panel_day.sign_in(body)
        case CaseCard():
            return panel_day.case_card(body)
        case Ballot():
            return panel_day.ballot(body)
        case ConsoleUpdate():
            return console.console(body.view)
        case CorrectionNotice():
            return panel_day.correction(body)
        case EscalationNotice():
            return outcomes.escalation(body)
        case VoteResult(for_chair=True):
            return message(
                text,
                actions=[action("Open the console", Verb.PANEL_CONSOLE, meeting=body.meeting_id)],
            )
        case VoteResult():
            return message(text)
        case ActionForAgency():
            return panel_day.action_for_agency(body)
        case Allocation():
            return panel_day.allocation(text, body)
        case LeadNotice():
            return panel_day.lead_notice(body)
        case StepUpNotice():
            return follow_up.step_up(body)
        case RecordOnCaseSystem():
            return panel_day.record_tick(text, body.meeting_id, body.case_id)
        case MinutesRecord():
            return panel_day.minutes(body)
        case MilestoneNudge():
            return follow_up.milestone(body)
        case DriftSummary():
            return follow_up.drift(text, body.sections)
        case RolledOver() | NoTeamsList() | StillMissing() | Outcome() | UndeliveredList():
            return message(text)
        case ReferrerNews():
            # It names the referrer as business support typed them: shown literally.
            return card([literal(text)])
        case _:
            assert_never(body)


def pack_of(circulation: Circulation) -> MemberPack:
    """The pack as circulated: no answers yet, and in time."""
    return MemberPack(
        meeting_id=circulation.meeting_id,
        panel_name=circulation.panel_name,
        panel_date=circulation.panel_date,
        deadline_at=circulation.deadline_at,
        agency=circulation.agency,
        past_deadline=False,
        cases=circulation.cases,
        answers={},
        capacity=None,
    )


def without_cases(stored: Stored, gone: frozenset[str]) -> Stored | None:
    """The message without the cases that have gone, from a message about several (the
    circulation pack); None if none is left, or if it is about one of them only."""
    if not gone:
        return stored
    if not isinstance(stored.body, Circulation):
        return None
    kept = stored.body.without(gone)
    return Stored(stored.text, kept) if kept is not None else None


# The largest activity the bot sends, in bytes of JSON. Teams refuses larger bot messages with
# 413 MessageSizeTooBig; its documented limit has been ~28 KB, 40 KB and 100 KB over the years,
# so the bot plans for less than the smallest. Cards that could grow past it are paged by design.
MAX_ACTIVITY_BYTES = 24 * 1024


# What an activity adds around its card: type, attachment, the 200-character preview, and the
# conversation, sender and recipient the connector fills in. Counted as a fixed allowance, more
# than they take, so a card is measured as cheaply as json.dumps (msrest's serialisation of
# the whole activity took 3.8 ms for an 18 KB card, on every reply and every send).
ENVELOPE_BYTES = 1024


def size_of(card: Card) -> int:
    """The size of an activity carrying `card` as Teams receives it, in bytes, at most."""
    return len(json.dumps(card, separators=(",", ":")).encode()) + ENVELOPE_BYTES


def too_large(size: int) -> str:
    return (
        f"the card is {size / 1024:.0f} KB and Teams takes at most {MAX_ACTIVITY_BYTES // 1024} KB"
    )


def activity_for(card: Card, text: str, marker: str = "") -> Activity:
    if marker:
        # How a send with an unknown outcome is found again in the conversation (bot/graph.py).
        card = {**card, "id": marker}
    activity: Activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    # The notification preview Teams shows: the bot's own sentence, never the card's content.
    activity.summary = text[:200]
    return activity
