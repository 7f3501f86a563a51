"""Information checks: each member agency says, case by case, whether it knows the family and
what it can share, and gives its capacity for the week; staff see the readiness grid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from panel.errors import DeadlinePassed
from panel.infochecks import InfoCheck, Known, ReadinessGrid, check_capacity, check_information
from panel.meeting import Meeting, MeetingStatus
from panel.messages import CirculatedCase
from panel.roster import Panel, Role
from panel.usecases.common import STAFF, Deps, agency_of_member, at_meeting, timeline_of


@dataclass(frozen=True)
class MemberPack:
    """What one member has been sent for a meeting, with their agency's saved answers."""

    meeting_id: str
    panel_name: str
    panel_date: date
    deadline_at: datetime
    agency: str
    past_deadline: bool
    cases: tuple[CirculatedCase, ...]
    answers: Mapping[str, InfoCheck]  # by case id
    capacity: int | None

    @property
    def missing(self) -> int:
        return sum(1 for c in self.cases if c.case_id not in self.answers)


def readiness_grid(panel: Panel, meeting: Meeting) -> ReadinessGrid:
    """Case by agency for the meeting: every member agency of the panel."""
    agencies = panel.member_agencies()
    return ReadinessGrid.build(
        meeting.agenda.case_ids if meeting.agenda else (),
        agencies,
        meeting.answers.values(),
        meeting.capacity,
    )


async def record_info_check(
    deps: Deps,
    *,
    meeting_id: str,
    actor: str,
    case_id: str,
    known: Known,
    information: str,
    could_lead: bool,
) -> InfoCheck:
    async with at_meeting(deps, actor, "infocheck.record", meeting_id, case_id=case_id) as work:
        now, meeting, panel = work.now(), work.meeting, work.panel
        agency = agency_of_member(panel, actor, Role.MEMBER, Role.CHAIR)
        text = check_information(information, panel.policy.info_max_length)
        deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
        late = now > deadline
        if late and (case_id, agency) in meeting.answers:
            # Answers are editable until the deadline; afterwards the chair works from what
            # was given, and a first answer is still taken, marked late.
            raise DeadlinePassed(
                "The deadline for information checks has passed, so your answer stands. "
                "Tell the chair at the panel if it has changed."
            )
        answer = InfoCheck(case_id, agency, known, text, could_lead, actor, now, late)
        meeting.record_answer(answer)
        await work.done()
        return answer


async def record_not_known_for_rest(deps: Deps, *, meeting_id: str, actor: str) -> int:
    """Record "not known to us" for every case the member's agency has not answered yet: most
    agencies know few of the week's families. Returns how many were recorded."""
    async with at_meeting(deps, actor, "infocheck.not-known-rest", meeting_id) as work:
        now, meeting, panel = work.now(), work.meeting, work.panel
        agency = agency_of_member(panel, actor, Role.MEMBER, Role.CHAIR)
        deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
        case_ids = meeting.agenda.case_ids if meeting.agenda else ()
        rest = [c for c in case_ids if (c, agency) not in meeting.answers]
        for case_id in rest:
            meeting.record_answer(
                InfoCheck(case_id, agency, Known.NOT_KNOWN, "", False, actor, now, now > deadline)
            )
            await work.audit.allowed(work.uow, now, case_id)
        await work.uow.commit()
        return len(rest)


async def record_capacity(deps: Deps, *, meeting_id: str, actor: str, allocations: int) -> int:
    async with at_meeting(deps, actor, "capacity.record", meeting_id) as work:
        agency = agency_of_member(work.panel, actor, Role.MEMBER, Role.CHAIR)
        work.meeting.require_status(
            MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION, doing="give capacity"
        )
        work.meeting.capacity[agency] = check_capacity(allocations)
        await work.done()
        return allocations


async def view_readiness(deps: Deps, *, meeting_id: str, actor: str) -> ReadinessGrid:
    async with at_meeting(deps, actor, "readiness.view", meeting_id, *STAFF) as work:
        return readiness_grid(work.panel, work.meeting)


async def open_pack(deps: Deps, *, meeting_id: str, actor: str) -> MemberPack:
    """The circulated cases, only the fields the policy allows, with the member's agency's
    saved answers. Only a current member of the panel, once the list has been circulated."""
    async with at_meeting(deps, actor, "pack.open", meeting_id) as work:
        meeting, panel = work.meeting, work.panel
        agency = agency_of_member(panel, actor, Role.MEMBER)
        meeting.require_status(
            MeetingStatus.CIRCULATED, MeetingStatus.IN_SESSION, doing="see the case list"
        )
        views = []
        for case_id in meeting.agenda.case_ids if meeting.agenda else ():
            case = await work.uow.cases.get(case_id)
            views.append(CirculatedCase.of(case, panel.policy.circulated_fields))
            await work.audit.allowed(work.uow, work.now(), case_id)
        await work.uow.commit()
    deadline = timeline_of(panel).schedule_for(meeting.panel_date).info_check_deadline_at
    return MemberPack(
        meeting.id,
        panel.name,
        meeting.panel_date,
        deadline,
        agency,
        work.now() > deadline,
        tuple(views),
        {c: a for (c, a_agency), a in meeting.answers.items() if a_agency == agency},
        meeting.capacity.get(agency),
    )
