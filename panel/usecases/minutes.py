"""The minutes of a sitting: the panel's formal record (what audits, complaints and inspections
read), built when the chair closes the panel and sent 1:1, in parts when long, never cut.

Who sat and for whom, who sent apologies and which agencies were absent without any; for each
item its section, conflicts, how the lead was chosen (the vote, the escalation, or agreed
without a vote), the outcome, lead, Team Around the Family and its first meeting's time
frame, actions, rationale, dissent and any correction on the day; what was not reached and
where it went; any other business.
"""

from __future__ import annotations

from collections.abc import Mapping

from panel.agenda import AgendaItem
from panel.calendar import long_date
from panel.escalations import Escalation
from panel.meeting import Meeting, Minutes, MinutesItem
from panel.messages import MinutesLine, MinutesRecord
from panel.outcomes import Decision, carried_by, outcome_labels
from panel.quorum import Presence, quorum
from panel.roster import Panel, Role
from panel.usecases.common import STAFF, timeline_of


def minutes_of(
    panel: Panel,
    meeting: Meeting,
    not_reached: tuple[str, ...],
    escalations: Mapping[str, Escalation] | None = None,
    earlier: tuple[str, ...] = (),
) -> Minutes:
    """`escalations`: of this sitting's items, by case id (resolved or not); `earlier`: lines
    on escalations from earlier sittings (still open, or resolved since)."""
    escalated = escalations or {}
    items = [
        _item(
            panel, meeting, item, meeting.decisions.get(item.case_id), escalated.get(item.case_id)
        )
        for item in meeting.items
        if item.case_id in meeting.decisions or item.case_id in escalated
    ]
    people = meeting.attendance.values()
    counted = {a.agency for a in people if a.counts}
    apologised = {a.agency for a in people if a.presence is Presence.APOLOGIES}
    timeline = timeline_of(panel)
    return Minutes(
        meeting.panel_date,
        tuple(sorted(counted)),
        tuple(sorted(apologised - counted)),
        quorum(panel.policy, people).line(),
        tuple(items),
        not_reached,
        tuple(meeting.aob),
        chair=", ".join(c.name for c in panel.with_role(Role.CHAIR)),
        starts=f"{panel.policy.meeting_time:%H:%M}",
        attendees=tuple(_who(panel, a.person_id, a.agency, a.presence) for a in people if a.counts),
        apologised=tuple(
            _who(panel, a.person_id, a.agency, a.presence)
            for a in people
            if a.presence is Presence.APOLOGIES
        ),
        absent=tuple(sorted(panel.agencies - counted - apologised)),
        next_panel=timeline.following(timeline.schedule_for(meeting.panel_date)).panel_date,
        escalations=earlier,
    )


def _who(panel: Panel, person_id: str, agency: str, presence: Presence) -> str:
    member = panel.find(person_id)
    name = member.name if member else "Someone"
    if presence is Presence.DEPUTY and member is not None and member.deputy_of:
        principal = panel.find(member.deputy_of)
        return f"{name} ({agency}, deputy for {principal.name if principal else 'its member'})"
    return f"{name} ({agency})"


def _item(
    panel: Panel,
    meeting: Meeting,
    item: AgendaItem,
    decision: Decision | None,
    escalation: Escalation | None,
) -> MinutesItem:
    """An item decided today, escalated today, or both (escalated, then resolved)."""
    return MinutesItem(
        item.number,
        item.case_id,
        _outcome(panel, decision),
        decision.lead_agency if decision else None,
        _how_chosen(meeting, item.case_id, decision, escalated=escalation is not None),
        tuple(f"{a.owner}: {a.text} by {long_date(a.due)}" for a in decision.actions)
        if decision
        else (),
        tuple(
            f"{c.what} Why: {c.reason}" for c in meeting.corrections if c.case_id == item.case_id
        ),
        item.section.value,
        tuple(sorted(meeting.conflicted(item.case_id))),
        decision.taf_agencies if decision else (),
        _taf_within(panel, decision),
        decision.rationale if decision else "",
        decision.dissent if decision else "",
        _checklist(panel, decision),
        escalation.summary() if escalation else "",
    )


def _outcome(panel: Panel, decision: Decision | None) -> str:
    """The outcomes as the panel names them, and who follows them up when nobody leads."""
    if decision is None:
        return ""
    labels = outcome_labels(decision, panel.policy)
    carrier = carried_by(decision, panel.policy)
    if decision.lead_agency or carrier is None:
        return labels
    return f"{labels} (followed up by {carrier}, without a lead professional)"


def _taf_within(panel: Panel, decision: Decision | None) -> str:
    """ "15 working days (by Thursday 31 December 2026)", as the panel set it."""
    if decision is None or decision.first_taf_within is None:
        return ""
    due = panel.calendar.due_date(decision.decided_on, decision.first_taf_within)
    return f"{decision.first_taf_within} (by {long_date(due)})"


def _checklist(panel: Panel, decision: Decision | None) -> tuple[str, ...]:
    """Every line of the panel's checklist with the answer given, or that none was (not for a
    decision taken up an escalation route, which the panel's checklist did not decide)."""
    if decision is None or not panel.policy.checklist:
        return ()
    if not decision.checklist and (decision.escalated or not panel.policy.checklist_required):
        return ()  # nothing answered where nothing had to be
    answers = dict(decision.checklist)
    return tuple(
        f"{n}. {line} {answers.get(line) or 'Not answered.'}"
        for n, line in enumerate(panel.policy.checklist, 1)
    )


def _how_chosen(
    meeting: Meeting, case_id: str, decision: Decision | None, *, escalated: bool
) -> str:
    """The vote that decided it; or how the last vote ended and what followed (an escalation
    is never hidden behind "agreed"); or that the chair said it was agreed without a vote."""
    voted = meeting.rounds.get(decision.vote_round_id or "") if decision else None
    if voted is not None and voted.result is not None:
        return voted.result.summary()
    if escalated:
        then = "escalated (below)"
    elif decision is not None and decision.agreed:
        then = "agreed without a vote"
    else:
        then = "recorded without a vote"  # a decision recorded before the chair said which
    rounds = [r for r in meeting.rounds.values() if r.case_id == case_id and r.result]
    if rounds and rounds[-1].result is not None:
        further = then.replace("a vote", "a further vote")
        return f"{rounds[-1].result.summary()} Then {further}."
    return f"{then[0].upper()}{then[1:]}."


def recipients_of(panel: Panel, meeting: Meeting) -> list[str]:
    """Everyone on the panel who is on Teams, whether they came, sent apologies or neither:
    those who attended, the chair, business support and every member."""
    on_roster = [m.person_id for m in panel.with_role(*STAFF, Role.MEMBER) if m.has_teams]
    return list(dict.fromkeys([*meeting.attending(), *on_roster]))


def records_of(
    panel: Panel, meeting: Meeting, minutes: Minutes, references: dict[str, str]
) -> tuple[MinutesRecord, ...]:
    """The minutes as one message, or several when the items' text would not fit one."""
    return MinutesRecord(
        meeting.id,
        panel.name,
        minutes.panel_date,
        minutes.present,
        minutes.apologies,
        minutes.quorum,
        tuple(
            MinutesLine(
                i.number,
                references.get(i.case_id, ""),
                i.outcome,
                i.lead_agency,
                i.tally,
                i.actions,
                i.corrections,
                i.section,
                i.conflicts,
                i.taf_agencies,
                i.taf_within,
                i.rationale,
                i.dissent,
                i.checklist,
                i.escalation,
            )
            for i in minutes.items
        ),
        tuple(references.get(c, "") for c in minutes.not_reached),
        minutes.aob,
        chair=minutes.chair,
        starts=minutes.starts,
        attendees=minutes.attendees,
        apologised=minutes.apologised,
        absent=minutes.absent,
        next_panel=minutes.next_panel,
        escalations=minutes.escalations,
    ).in_parts()
