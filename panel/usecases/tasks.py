"""What is waiting for a person on each of their panels ("my tasks"): counts only, no case
data, so it may be shown anywhere 1:1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from panel.lifecycle import Status
from panel.meeting import MeetingStatus
from panel.roster import Role
from panel.usecases.common import STAFF, Audit, Deps, in_play, timeline_of
from panel.usecases.info_checks import readiness_grid


class TaskKind(Enum):
    SCREEN = "screen"
    ANSWER = "answer"
    CAPACITY = "capacity"
    READINESS = "readiness"


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    panel_id: str
    panel_name: str
    count: int
    meeting_id: str | None = None
    due_at: datetime | None = None  # by when, in the panel's time zone


async def view_tasks(deps: Deps, *, actor: str, panel_ids: list[str]) -> list[Task]:
    """What is waiting for this person on each of their panels. Counts only, no case data."""
    tasks: list[Task] = []
    for panel_id in panel_ids:
        panel = deps.panels.get(panel_id)
        member = panel.find(actor)
        if member is None:
            continue
        timeline = timeline_of(panel)
        async with deps.uow() as uow:
            schedule = await in_play(uow, panel, deps.clock.now())
            meeting = await uow.meetings.on_date(panel_id, schedule.panel_date)
        deadline = schedule.info_check_deadline_at.astimezone(timeline.zone)
        cutoff = schedule.cutoff_at.astimezone(timeline.zone)
        if member.roles & set(STAFF):
            async with deps.uow() as uow:
                referred = [
                    c for c in await uow.cases.before_panel(panel_id) if c.status is Status.REFERRED
                ]
                audit = Audit(actor, "case.list").about(panel)
                for case in referred:
                    await audit.allowed(uow, deps.clock.now(), case.id)
                await uow.commit()
            if referred:
                # Screened before the cut-off, a case can still go on the next agenda.
                open_agenda = meeting is None or meeting.agenda is None
                tasks.append(
                    Task(
                        TaskKind.SCREEN,
                        panel.id,
                        panel.name,
                        len(referred),
                        due_at=cutoff if open_agenda else None,
                    )
                )
            if meeting is not None and meeting.status is MeetingStatus.CIRCULATED:
                missing = len(readiness_grid(panel, meeting).agencies_missing())
                if missing:
                    tasks.append(
                        Task(
                            TaskKind.READINESS, panel.id, panel.name, missing, meeting.id, deadline
                        )
                    )
        agency = panel.agency_of(member) if Role.MEMBER in member.roles else None
        if agency and meeting is not None and meeting.status is MeetingStatus.CIRCULATED:
            case_ids = meeting.agenda.case_ids if meeting.agenda else ()
            unanswered = sum(1 for c in case_ids if (c, agency) not in meeting.answers)
            if unanswered:
                tasks.append(
                    Task(TaskKind.ANSWER, panel.id, panel.name, unanswered, meeting.id, deadline)
                )
            if agency not in meeting.capacity:
                tasks.append(Task(TaskKind.CAPACITY, panel.id, panel.name, 1, meeting.id, deadline))
    return tasks
