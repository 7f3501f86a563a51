"""The chair's console: built from the meeting (the items and their states, the papers of the
item in hand), shown to the chair and business support, and kept current in their chats.

Each console message is remembered by its Teams message id (`Meeting.consoles`); whatever
changes what a console shows (a sign-in, a vote, a conflict, an outcome) queues the console as
it now stands to replace it in place, in the transaction that changed it. A console that has
been replaced by a form (the outcome form) is forgotten, so a form being filled in is never
overwritten. The chair's Refresh stays, and always shows the current state.
"""

from __future__ import annotations

from panel.agenda import AgendaItem
from panel.console import CasePapers, ChairView, ItemView, item_state
from panel.infochecks import answers_to
from panel.meeting import Meeting, MeetingStatus
from panel.messages import ConsoleUpdate, DirectMessage
from panel.outcomes import outcome_labels
from panel.policy import Section
from panel.quorum import agencies_present, quorum
from panel.relevance import SITTING, QueuedFor
from panel.roster import Member, Panel
from panel.usecases.common import STAFF, Audit, Deps, Work, at_meeting, new_id, timeline_of
from panel.votes import choose_candidates


async def view_console(
    deps: Deps, *, meeting_id: str, actor: str, shown_at: str = "", replaced_at: str = ""
) -> ChairView:
    """The chair's console (chair and business support): references, states, quorum, and the
    papers of the item in hand. `shown_at`: the Teams message it is shown in, kept up to date
    from now on; `replaced_at`: a message where a form takes the console's place."""
    async with at_meeting(deps, actor, "panel.console", meeting_id, *STAFF) as work:
        view = await chair_view(work)
        for item in work.meeting.items:
            await work.audit.allowed(work.uow, work.now(), item.case_id)
        consoles = work.meeting.consoles
        if shown_at:  # the same id again changes nothing: the unit of work writes no row
            consoles[actor] = shown_at
        elif replaced_at and consoles.get(actor) == replaced_at:
            del consoles[actor]
        await work.uow.commit()
    return view


async def remember_console(deps: Deps, *, meeting_id: str, actor: str, message_id: str) -> None:
    """A console sent as a new message (a typed `panel`) is kept up to date from now on,
    while the panel sits."""
    async with at_meeting(deps, actor, "panel.console", meeting_id, *STAFF) as work:
        if work.meeting.status is MeetingStatus.IN_SESSION:
            work.meeting.consoles[actor] = message_id
            await work.uow.commit()


async def chair_view(work: Work) -> ChairView:
    """The console as the meeting stands in this transaction."""
    meeting, panel = work.meeting, work.panel
    cases = {i.case_id: await work.uow.cases.get(i.case_id) for i in meeting.items}
    references = {case_id: case.reference for case_id, case in cases.items()}
    escalations = {
        # The bot's own words only: the interim service as typed is on the owner's card and in
        # the minutes, and 15 rows of it would not fit one Teams message.
        case_id: f"{e.stage}; owner {panel.name_of(e.owner, 'no longer on the panel')}"
        for case_id, case in cases.items()
        if (e := case.escalation) is not None and e.meeting_id == meeting.id
    }
    can_add = []
    if meeting.status is MeetingStatus.IN_SESSION:
        for case in await work.uow.cases.waiting_for_agenda(panel.id):
            if case.section in (Section.STUCK, Section.REVIEW):
                can_add.append((case.id, case.reference, case.section))
    status = quorum(panel.policy, meeting.attendance.values())
    timeline = timeline_of(panel)
    return ChairView(
        panel.id,
        panel.name,
        meeting.id,
        meeting.panel_date,
        meeting.status,
        status.line(),
        status.quorate,
        tuple(sorted((a.agency, a.presence.value) for a in meeting.attendance.values())),
        tuple(
            _item_view(panel, meeting, references[i.case_id], i, escalations.get(i.case_id, ""))
            for i in meeting.items
        ),
        tuple((o.code, o.label) for o in panel.policy.outcomes),
        tuple(sorted(panel.agencies)),
        tuple(can_add),
        tuple(meeting.aob),
        _papers(panel, meeting, references),
        timeline.following(timeline.schedule_for(meeting.panel_date)).panel_date,
        panel.policy.checklist,
        panel.policy.checklist_required,
        panel.policy.combine_outcomes,
        tuple((m.person_id, _who(panel, m)) for m in panel.members if m.has_teams),
        panel.policy.escalation_stages,
    )


def _item_view(
    panel: Panel, meeting: Meeting, reference: str, item: AgendaItem, escalation: str
) -> ItemView:
    state, vote = item_state(meeting, item.case_id)
    decision = meeting.decisions.get(item.case_id)
    result = vote.result if vote is not None else None
    return ItemView(
        item.number,
        item.case_id,
        reference,
        item.section,
        item.locality,
        state,
        vote.id if vote else None,
        len(vote.votes) if vote else 0,
        len(vote.eligible) if vote else 0,
        result.summary() if result else "",
        result.contenders if result else (),
        result.winner if result else None,
        outcome_labels(decision, panel.policy) if decision else "",
        decision.lead_agency if decision else None,
        f"recorded:{item.case_id}" in meeting.done,
        sum(1 for r in meeting.rounds.values() if r.case_id == item.case_id),
        escalation,
    )


def _papers(panel: Panel, meeting: Meeting, references: dict[str, str]) -> CasePapers | None:
    """The item in hand's papers, until its outcome is recorded."""
    case_id = meeting.in_hand
    item = meeting.agenda.item_for(case_id) if meeting.agenda and case_id else None
    if item is None or item_state(meeting, item.case_id)[0].settled:
        return None
    answers = answers_to(meeting.answers.values(), item.case_id)
    return CasePapers(
        item.case_id,
        item.number,
        references[item.case_id],
        answers,
        tuple(sorted(panel.member_agencies() - {a.agency for a in answers})),
        tuple(a.agency for a in answers if a.could_lead),
        tuple(sorted(meeting.capacity.items())),
        tuple(sorted(meeting.conflicted(item.case_id))),
        tuple(panel.policy.checklist),
        candidates(panel, meeting, item.case_id),
    )


def _who(panel: Panel, member: Member) -> str:
    """ "Adele Vance (Health)", "Megan Bowen (chair)": how an owner is chosen from a list."""
    agency = panel.agency_of(member)
    if agency:
        return f"{member.name} ({agency})"
    roles = sorted(r.value.replace("-", " ") for r in member.roles)
    return f"{member.name} ({', '.join(roles) or 'no role'})"


def candidates(panel: Panel, meeting: Meeting, case_id: str) -> tuple[str, ...]:
    """Who a vote on the case would be between: agencies present that offered to lead, per
    policy (the console offers no vote when fewer than two)."""
    offered = [a.agency for a in meeting.answers.values() if a.case_id == case_id and a.could_lead]
    return choose_candidates(panel.policy, agencies_present(meeting.attendance.values()), offered)


async def tell_consoles(work: Work, *, skip: str = "") -> None:
    """Queue each open console as the meeting now stands, to replace it in its chat (not the
    one of `skip`, who is looking at the answer to what they pressed). Dropped unread once the
    panel is no longer sitting."""
    staff = {m.person_id for m in work.panel.with_role(*STAFF)}
    # Only to those who may see the console now (a roster can change while a panel sits).
    consoles = {p: m for p, m in work.meeting.consoles.items() if p != skip and p in staff}
    if not consoles:
        return
    view = await chair_view(work)
    for person, message_id in sorted(consoles.items()):
        # Who was shown what: the console carries the references and the papers in hand.
        await (
            Audit(person, "panel.console-update")
            .about(work.panel)
            .allowed(work.uow, work.now(), view.papers.case_id if view.papers else None)
        )
        work.send(
            DirectMessage(
                person,
                f"console:{work.meeting.id}:{person}:{new_id()}",
                f"The panel on {view.panel_date:%d %B}: the console is up to date.",
                ConsoleUpdate(message_id, view),
                queued_for=QueuedFor(work.panel.id, work.meeting.id, SITTING),
            )
        )
