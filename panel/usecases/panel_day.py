"""Panel day, as the chair runs it: start and sign-in, the chair's console and the shared
agenda, case cards to those present, conflicts, items and other business added on the day,
and the break reminder. Votes are in votes.py; outcomes and minutes in outcomes.py.

The rules are in meeting.py and quorum.py. Case detail only ever goes 1:1 to members present
who accepted the confidentiality statement (docs/safeguards.md §1).
"""

from __future__ import annotations

from dataclasses import replace

from panel.agenda import Agenda, AgendaItem
from panel.calendar import long_date
from panel.console import ChairView, ItemState, ItemView, SharedItem, SharedView, item_state
from panel.errors import InvalidInput, NotFound, NotPanelDay, NotPermitted, VoteRejected
from panel.infochecks import answers_to
from panel.lifecycle import Event
from panel.meeting import Meeting, MeetingStatus, SeatTaken
from panel.messages import (
    CaseCard,
    ChannelNotice,
    CirculatedCase,
    DirectMessage,
    Kind,
    SignInRequest,
    part_of,
)
from panel.policy import Section
from panel.quorum import Attendance, Presence, QuorumStatus, quorum
from panel.relevance import SITTING, QueuedFor
from panel.roster import Member, Panel, Role
from panel.usecases.common import (
    SYSTEM,
    Audit,
    Deps,
    Work,
    agency_of_member,
    at_meeting,
    audited,
    case_of,
    in_play,
    timeline_of,
)
from panel.usecases.console import remember_console, tell_consoles, view_console
from panel.words import plural

# The console's view types live in panel/console.py; named here too, where its use cases are.
__all__ = [
    "ChairView",
    "ItemState",
    "ItemView",
    "SharedItem",
    "SharedView",
    "item_state",
    "remember_console",
    "view_console",
]


async def find_running(deps: Deps, panel_id: str) -> Meeting:
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    today = now.astimezone(timeline_of(panel).zone).date()
    async with deps.uow() as uow:
        for meeting in (
            await uow.meetings.on_date(panel.id, today),
            await uow.meetings.on_date(panel.id, (await in_play(uow, panel, now)).panel_date),
        ):
            if meeting is not None and meeting.status in (
                MeetingStatus.CIRCULATED,
                MeetingStatus.IN_SESSION,
            ):
                return meeting
    raise NotFound("There is no circulated panel to run: freeze and circulate the agenda first.")


def sign_in_request(panel: Panel, meeting: Meeting, member: Member) -> SignInRequest:
    """What the sign-in card needs for one person (the prompt, and the form after a refusal):
    no case data."""
    return SignInRequest(
        meeting.id,
        panel.name,
        panel.policy.confidentiality_statement,
        panel.agency_of(member) or "",
        member.deputy_of is not None,
    )


async def start_panel(deps: Deps, *, panel_id: str, actor: str, early: bool = False) -> Meeting:
    """The chair starts the panel: the meeting goes into session and every member is asked 1:1
    to sign in, with the same transaction. On a day that is not the panel's it is refused
    (`NotPanelDay`) unless `early` says the chair was asked and meant it. Starting again (the
    chair presses twice, or after a crash) changes nothing and asks again, which the outbox's
    keys make harmless."""
    panel = deps.panels.get(panel_id)
    async with audited(deps, actor, "panel.start", panel_id=panel_id):
        panel.require(actor, Role.CHAIR)
    running = await find_running(deps, panel_id)
    async with at_meeting(deps, actor, "panel.start", running.id, Role.CHAIR) as work:
        meeting = work.meeting
        if meeting.status is not MeetingStatus.IN_SESSION:
            meeting.require_status(MeetingStatus.CIRCULATED, doing="start the panel")
            today = work.today()
            if today != meeting.panel_date and not early:
                raise NotPanelDay(
                    f"The panel is on {long_date(meeting.panel_date)}, not today.",
                    meeting.panel_date,
                )
            meeting.status = MeetingStatus.IN_SESSION
            await work.audit.allowed(work.uow, work.now())
        for message in _sign_in_requests(panel, meeting):
            work.send(message)
        await work.uow.commit()
        return meeting


def _sign_in_requests(panel: Panel, meeting: Meeting) -> list[DirectMessage | ChannelNotice]:
    in_session = QueuedFor(panel.id, meeting.id, SITTING)
    requests: list[DirectMessage | ChannelNotice] = [
        DirectMessage(
            member.person_id,
            f"sign-in:{meeting.id}:{member.person_id}",
            f"The panel on {long_date(meeting.panel_date)} has started. Please sign in.",
            sign_in_request(panel, meeting, member),
            queued_for=in_session,
        )
        for member in panel.members
        if panel.agency_of(member) is not None
        and member.has_teams
        and member.roles & {Role.MEMBER, Role.CHAIR}
    ]
    requests.append(
        ChannelNotice(
            panel.id,
            Kind.PANEL_STARTED,
            f"panel-started:{meeting.id}",
            {"cases": len(meeting.items)},
            f"The panel on {long_date(meeting.panel_date)} has started: "
            f"{plural(len(meeting.items), 'item')}. Members: sign in from your 1:1 chat with the "
            "bot.",
            queued_for=in_session,
        )
    )
    return requests


async def prompt_sign_in(deps: Deps, *, panel_id: str, person_id: str) -> bool:
    """Someone joined the panel's Teams meeting: if the panel is sitting and they are a member
    who has not signed in, ask them 1:1 (once). True if asked."""
    panel = deps.panels.get(panel_id)
    member = panel.find(person_id)
    if member is None or panel.agency_of(member) is None or not member.has_teams:
        return False
    try:
        meeting = await find_running(deps, panel_id)
    except NotFound:
        return False
    if meeting.status is not MeetingStatus.IN_SESSION or person_id in meeting.attendance:
        return False
    async with deps.uow() as uow:
        uow.send(
            DirectMessage(
                person_id,
                f"sign-in-on-join:{meeting.id}:{person_id}",
                f"You joined the panel on {long_date(meeting.panel_date)}. Please sign in.",
                sign_in_request(panel, meeting, member),
                queued_for=QueuedFor(panel.id, meeting.id, SITTING),
            ),
            deps.clock.now(),
        )
        await uow.commit()
    return True


async def sign_in(
    deps: Deps, *, meeting_id: str, actor: str, presence: Presence, accepted_statement: bool
) -> QuorumStatus:
    """Sign in for one's own agency, or (as a named deputy) for the principal's agency."""
    async with at_meeting(deps, actor, "panel.sign-in", meeting_id) as work:
        panel = work.panel
        agency = agency_of_member(panel, actor, Role.MEMBER, Role.CHAIR)
        if presence is not Presence.APOLOGIES and not accepted_statement:
            raise InvalidInput("Accept the confidentiality statement to sign in as present.")
        if presence is Presence.DEPUTY and panel.require(actor).deputy_of is None:
            raise NotPermitted("You are not registered as a deputy on this panel.")
        try:
            work.meeting.sign_in(Attendance(actor, agency, presence, accepted_statement))
        except SeatTaken as taken:
            seated = panel.find(taken.person_id)
            raise InvalidInput(
                f"{seated.name if seated else 'Someone'} already sits for {agency} at this "
                "panel. One seat per agency: case cards and ballots go to them. If you are "
                "taking over, tell the chair."
            ) from None
        status = quorum(panel.policy, work.meeting.attendance.values())
        await tell_consoles(work)
        await work.done()
        return status


async def sign_in_form(deps: Deps, *, meeting_id: str, actor: str) -> SignInRequest:
    """What the sign-in card needs for this person: no case data."""
    async with at_meeting(
        deps, actor, "panel.sign-in-form", meeting_id, Role.MEMBER, Role.CHAIR
    ) as work:
        return sign_in_request(work.panel, work.meeting, work.panel.require(actor))


async def view_shared(deps: Deps, *, panel_id: str, actor: str) -> SharedView:
    """Any member of the panel may see it; it holds no case data, so reads no case."""
    panel = deps.panels.get(panel_id)
    async with audited(deps, actor, "panel.shared", panel_id=panel_id):
        panel.require(actor)
    meeting = await find_running(deps, panel_id)
    status = quorum(panel.policy, meeting.attendance.values())
    return SharedView(
        panel.id,
        panel.name,
        meeting.panel_date,
        meeting.status,
        status.line(),
        tuple(
            SharedItem(i.number, i.section, item_state(meeting, i.case_id)[0])
            for i in meeting.items
        ),
    )


def _present_members(panel: Panel, meeting: Meeting) -> list[str]:
    return [p for p in meeting.attending() if panel.find(p) is not None]


async def open_case(deps: Deps, *, meeting_id: str, actor: str, case_id: str) -> int:
    """The chair opens an item: its papers come onto the console, and each member present (and
    the chair) gets the case card 1:1. Opening again sends it only to those who signed in
    since. Returns how many members present were sent it."""
    async with at_meeting(
        deps, actor, "case.open", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        meeting, panel = work.meeting, work.panel
        meeting.require_status(MeetingStatus.IN_SESSION, doing="open a case")
        meeting.require_on_agenda(case_id)
        case = await work.uow.cases.get(case_id)
        meeting.done.add(f"opened:{case_id}")
        meeting.in_hand = case_id
        present = _present_members(panel, meeting)
        chairs = [c.person_id for c in panel.with_role(Role.CHAIR)]
        recipients = [
            p
            for p in dict.fromkeys([*present, *chairs])
            if f"case-card:{case_id}:{p}" not in meeting.done
        ]
        meeting.done.update(f"case-card:{case_id}:{p}" for p in recipients)
        await work.audit.allowed(work.uow, work.now())
        parts = await _case_card_parts(work, case_id)
        for person in recipients:
            for body in parts:
                if person not in present:  # the chair's own copy
                    body = replace(body, for_chair=True)
                key, text = part_of(
                    f"case-card:{meeting.id}:{case_id}:{person}",
                    f"Case {case.reference} is open at the panel.",
                    body.part,
                    body.parts,
                )
                queued_for = QueuedFor(panel.id, meeting.id, SITTING, (case_id,))
                work.send(DirectMessage(person, key, text, body, queued_for=queued_for))
        await tell_consoles(work, skip=actor)
        await work.uow.commit()
    return len([p for p in recipients if p in present])


async def _case_card_parts(work: Work, case_id: str) -> tuple[CaseCard, ...]:
    """The case card as the panel discusses it, in as many parts as it needs."""
    meeting, panel = work.meeting, work.panel
    case = await work.uow.cases.get(case_id)
    item = meeting.agenda.item_for(case_id) if meeting.agenda else None
    answers = answers_to(meeting.answers.values(), case_id)
    return CaseCard.parts_of(
        meeting.id,
        case_id,
        item.number if item else 0,
        CirculatedCase.of(case, panel.policy.circulated_fields),
        answers,
        tuple(sorted(meeting.capacity.items())),
        tuple(panel.policy.checklist),
        meeting.panel_date,
    )


async def declare_conflict(
    deps: Deps, *, meeting_id: str, actor: str, case_id: str
) -> tuple[str, CaseCard]:
    """The member's agency will not vote on the case. Returns the agency and the case card
    again (its first part), to show with the conflict on it."""
    async with at_meeting(deps, actor, "conflict.declare", meeting_id, case_id=case_id) as work:
        agency = agency_of_member(work.panel, actor, Role.MEMBER, Role.CHAIR)
        if work.meeting.open_round_for(case_id) is not None:
            raise VoteRejected("Declare a conflict before the vote opens.")
        work.meeting.declare_conflict(case_id, agency)
        card = (await _case_card_parts(work, case_id))[0]
        await tell_consoles(work)
        await work.done()
        return agency, card


async def withdraw_conflict(
    deps: Deps, *, meeting_id: str, actor: str, case_id: str
) -> tuple[str, CaseCard]:
    """Declared by mistake: withdrawn, until a vote on the case has opened."""
    async with at_meeting(deps, actor, "conflict.withdraw", meeting_id, case_id=case_id) as work:
        agency = agency_of_member(work.panel, actor, Role.MEMBER, Role.CHAIR)
        meeting = work.meeting
        meeting.require_on_agenda(case_id)
        if any(r.case_id == case_id for r in meeting.rounds.values()):
            raise VoteRejected("The vote on this case has opened, so the conflict stands.")
        meeting.conflicts.discard((case_id, agency))
        card = (await _case_card_parts(work, case_id))[0]
        await tell_consoles(work)
        await work.done()
        return agency, card


async def add_to_agenda(deps: Deps, *, meeting_id: str, actor: str, case_id: str) -> int:
    """The chair adds a stuck case or a review, waiting for a panel, to today's agenda.
    Returns its item number. Its detail reaches members when the chair opens it."""
    async with at_meeting(
        deps, actor, "agenda.add", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        meeting = work.meeting
        meeting.require_status(MeetingStatus.IN_SESSION, doing="add to the agenda")
        case = await case_of(work.uow, work.panel.id, case_id)
        existing = meeting.agenda.item_for(case_id) if meeting.agenda else None
        if existing is not None:
            return existing.number
        if not case.waiting_for_agenda or case.section not in (Section.STUCK, Section.REVIEW):
            raise InvalidInput("Only stuck cases and reviews can be added on the day.")
        agenda = meeting.agenda or Agenda((), ())
        # After the last number, not the count: a withdrawn item leaves its number unused.
        number = max((i.number for i in agenda.items), default=0) + 1
        meeting.agenda = Agenda(
            (*agenda.items, AgendaItem(number, case_id, case.section, case.locality)),
            agenda.overflow,
        )
        case.apply(Event.ADD_TO_AGENDA, work.now(), "Added by the chair on the day.")
        case.apply(Event.CIRCULATE, work.now())
        await tell_consoles(work, skip=actor)
        await work.done()
        return number


MAX_AOB = 20
MAX_AOB_TEXT = 500


async def add_aob(deps: Deps, *, meeting_id: str, actor: str, text: str) -> int:
    """The chair notes any other business for the minutes (which go 1:1 only). Returns how
    many items there are now; the same text twice (a double click) is noted once."""
    text = text.strip()
    if not text or len(text) > MAX_AOB_TEXT:
        raise InvalidInput(f"Any other business is 1 to {MAX_AOB_TEXT} characters.")
    async with at_meeting(deps, actor, "panel.aob", meeting_id, Role.CHAIR) as work:
        meeting = work.meeting
        meeting.require_status(MeetingStatus.IN_SESSION, doing="note any other business")
        if text not in meeting.aob:
            if len(meeting.aob) >= MAX_AOB:
                raise InvalidInput(f"At most {MAX_AOB} items of other business.")
            meeting.aob.append(text)
            await tell_consoles(work, skip=actor)
        await work.done()
        return len(meeting.aob)


async def run_panel_day(deps: Deps, panel_id: str) -> int:
    """Break reminders per policy (Barnet: 15 minutes at 11:00) to the panel's channel, once
    each, while a panel is in session. Returns how many were sent."""
    panel = deps.panels.get(panel_id)
    now = deps.clock.now()
    today = now.astimezone(timeline_of(panel).zone).date()
    schedule = timeline_of(panel).schedule_for(today)
    sent = 0
    async with deps.uow() as uow:
        meeting = await uow.meetings.on_date(panel_id, today)
        if meeting is None or meeting.status is not MeetingStatus.IN_SESSION:
            return 0
        due = [
            (n, start, end)
            for n, (start, end) in enumerate(schedule.breaks_at)
            if start <= now < end and f"break:{n}" not in meeting.done
        ]
        for n, start, end in due:
            meeting.done.add(f"break:{n}")
            minutes = int((end - start).total_seconds() // 60)
            uow.send(
                ChannelNotice(
                    panel.id,
                    Kind.BREAK,
                    f"break:{meeting.id}:{n}",
                    {"minutes": minutes},
                    f"Break: {minutes} minutes. The panel resumes at {end:%H:%M}.",
                    queued_for=QueuedFor(panel.id, meeting.id, SITTING),
                ),
                now,
            )
            sent += 1
        await Audit(SYSTEM, "panel.break").about(panel).allowed(uow, now)
        await uow.commit()
    return sent
