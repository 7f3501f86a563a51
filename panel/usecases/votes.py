"""Votes on the lead agency: the chair calls a vote (ballots 1:1 to the agencies that may vote),
members cast one vote per agency, the round closes itself or the chair closes it, a tie goes
to the chair's casting vote or a re-vote, per policy. The rules are in votes.py."""

from __future__ import annotations

from panel.errors import VoteRejected
from panel.meeting import Correction, Meeting, MeetingStatus
from panel.messages import Ballot, CorrectionNotice, DirectMessage, VoteResult
from panel.outcomes import check_reason
from panel.quorum import Attendance, agencies_present, quorum
from panel.relevance import SITTING, QueuedFor
from panel.roster import Role
from panel.usecases.common import Deps, Work, at_meeting, new_id
from panel.usecases.console import candidates, tell_consoles
from panel.votes import RoundResult, RoundState, VoteCast, VoteRound, VoteRule


async def open_vote(deps: Deps, *, meeting_id: str, actor: str, case_id: str) -> VoteRound:
    """The chair calls the vote (only while quorate); ballots go out 1:1 with it."""
    async with at_meeting(
        deps, actor, "vote.open", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        vote = await _call(work, case_id, 1)
        await tell_consoles(work, skip=actor)
        await work.done()
        return vote


async def _call(work: Work, case_id: str, number: int) -> VoteRound:
    """A new round on the case between the agencies present who may lead, with its ballots."""
    meeting, panel = work.meeting, work.panel
    meeting.require_status(MeetingStatus.IN_SESSION, doing="open a vote")
    meeting.require_on_agenda(case_id)
    if case_id in meeting.decisions:
        raise VoteRejected("This case already has a decision.")
    vote = VoteRound.open(
        new_id(),
        case_id,
        candidates=candidates(panel, meeting, case_id),
        present=agencies_present(meeting.attendance.values()),
        conflicted=meeting.conflicted(case_id),
        rule=VoteRule.of(panel.policy),
        quorate=quorum(panel.policy, meeting.attendance.values()).quorate,
        number=number,
    )
    meeting.add_round(vote)
    reference = (await work.uow.cases.get(case_id)).reference
    for ballot in ballots_for(meeting, vote, reference):
        work.send(ballot)
    return vote


async def reopen_vote(
    deps: Deps, *, meeting_id: str, actor: str, case_id: str, reason: str
) -> VoteRound:
    """The chair re-opens a closed vote, before the outcome is recorded, with a reason: a new
    round's ballots go out, and everyone who was told the result hears it no longer stands,
    and why. The minutes carry the correction."""
    reason = check_reason(reason)
    async with at_meeting(
        deps, actor, "vote.reopen", meeting_id, Role.CHAIR, case_id=case_id
    ) as work:
        meeting = work.meeting
        if case_id in meeting.decisions:
            raise VoteRejected("This case's outcome is recorded: change the outcome instead.")
        rounds = [r for r in meeting.rounds.values() if r.case_id == case_id]
        latest = rounds[-1] if rounds else None
        if latest is None or latest.result is None or not latest.state.closed:
            raise VoteRejected("There is no closed vote on this case to re-open.")
        told = [*_chairs(work), *(person for person, _ in _voters(meeting, latest))]
        vote = await _call(work, case_id, latest.number + 1)
        what = (
            "The vote was re-opened; its earlier result no longer stands: "
            + latest.result.summary()
        )
        meeting.corrections.append(Correction(case_id, what, reason))
        reference = (await work.uow.cases.get(case_id)).reference
        for person in dict.fromkeys(told):
            work.send(
                DirectMessage(
                    person,
                    f"reopened:{vote.id}:{person}",
                    f"Case {reference}: the vote was re-opened.",
                    CorrectionNotice(reference, what, reason),
                    queued_for=QueuedFor(work.panel.id, meeting.id, SITTING, (case_id,)),
                )
            )
        await tell_consoles(work, skip=actor)
        await work.done()
        return vote


def _chairs(work: Work) -> list[str]:
    return [c.person_id for c in work.panel.with_role(Role.CHAIR)]


def ballots_for(meeting: Meeting, vote: VoteRound, reference: str) -> list[DirectMessage]:
    """A ballot 1:1 to each member present for an agency that may vote in this round."""
    return [
        DirectMessage(
            person,
            f"ballot:{vote.id}:{person}",
            f"Vote on the lead agency for case {reference}"
            + (f" (round {vote.number})." if vote.number > 1 else "."),
            Ballot(meeting.id, vote.id, reference, attendance.agency, vote.candidates, vote.number),
            queued_for=QueuedFor(meeting.panel_id, meeting.id, SITTING, (vote.case_id,), vote.id),
        )
        for person, attendance in _voters(meeting, vote)
    ]


def _voters(meeting: Meeting, vote: VoteRound) -> list[tuple[str, Attendance]]:
    """Each person present for an agency that may vote in this round."""
    return [
        (person, attendance)
        for person, attendance in meeting.attendance.items()
        if attendance.counts and attendance.agency in vote.eligible
    ]


async def cast_vote(
    deps: Deps, *, meeting_id: str, actor: str, round_id: str, choice: str
) -> tuple[VoteCast, RoundResult | None]:
    """One vote for the actor's agency. The round closes itself when every eligible agency
    has voted; the result is returned then, and only then, and the chair hears it (with any
    re-vote's ballots) in the same transaction."""
    async with at_meeting(deps, actor, "vote.cast", meeting_id, Role.MEMBER, Role.CHAIR) as work:
        meeting = work.meeting
        agency = meeting.agency_attending_as(actor)
        if agency is None:
            raise VoteRejected("Sign in as present before voting.")
        vote = meeting.round(round_id)
        work.audit.case_id = vote.case_id
        quorate = quorum(work.panel.policy, meeting.attendance.values()).quorate
        cast = vote.cast(agency, choice, quorate=quorate)
        result = _settle(meeting, vote) if vote.everyone_voted and not cast.duplicate else None
        if result is not None:
            await _announce(work, vote, result)
        if cast.duplicate:
            # Harmless (the vote stands) but still a second attempt: recorded as refused.
            await work.uow.audit.add(
                work.audit.entry(work.now(), allowed=False, reason="Duplicate")
            )
            await work.uow.commit()
        else:
            await tell_consoles(work)
            await work.done()
        return cast, result


async def close_vote(
    deps: Deps, *, meeting_id: str, actor: str, round_id: str
) -> tuple[RoundResult, bool]:
    """The chair closes the round before everyone has voted. A round that has closed already
    (the last vote closed it while the chair's console was stale) is not an error: its result
    is returned, with False for "closed before"."""
    async with at_meeting(deps, actor, "vote.close", meeting_id, Role.CHAIR) as work:
        vote = work.meeting.round(round_id)
        work.audit.case_id = vote.case_id
        if vote.state.closed and vote.result is not None:
            return vote.result, False
        result = _settle(work.meeting, vote)
        await _announce(work, vote, result)
        await tell_consoles(work, skip=actor)
        await work.done()
        return result, True


async def casting_vote(
    deps: Deps, *, meeting_id: str, actor: str, round_id: str, choice: str
) -> RoundResult:
    async with at_meeting(deps, actor, "vote.casting", meeting_id, Role.CHAIR) as work:
        vote = work.meeting.round(round_id)
        work.audit.case_id = vote.case_id
        result = vote.casting_vote(choice)
        reference = (await work.uow.cases.get(vote.case_id)).reference
        _tell_result(work, vote, "casting", f"Vote on case {reference}: {result.summary()}")
        await tell_consoles(work, skip=actor)
        await work.done()
        return result


async def _announce(work: Work, vote: VoteRound, result: RoundResult) -> None:
    """With the closing round: the chair and everyone who had a ballot hear the result (the
    ballot promised it), and a re-vote's ballots go out."""
    meeting = work.meeting
    reference = (await work.uow.cases.get(vote.case_id)).reference
    if result.state is RoundState.REVOTE:
        latest = [r for r in meeting.rounds.values() if r.case_id == vote.case_id][-1]
        for ballot in ballots_for(meeting, latest, reference):
            work.send(ballot)
    name = f"case {reference}" + (f" (round {vote.number})" if vote.number > 1 else "")
    _tell_result(work, vote, "result", f"Vote on {name} closed: {result.summary()}")


def _tell_result(work: Work, vote: VoteRound, key: str, text: str) -> None:
    """The chair, and each person present for an agency that could vote in this round, hear
    how it ended; only the chair's card offers the console."""
    meeting = work.meeting
    chairs = _chairs(work)
    voters = [person for person, _ in _voters(meeting, vote)]
    for person in dict.fromkeys([*chairs, *voters]):
        work.send(
            DirectMessage(
                person,
                f"{key}:{vote.id}:{person}",
                text,
                VoteResult(meeting.id, vote.case_id, person in chairs),
                queued_for=QueuedFor(work.panel.id, meeting.id, case_ids=(vote.case_id,)),
            )
        )


def _settle(meeting: Meeting, vote: VoteRound) -> RoundResult:
    result = vote.close()
    if result.state is RoundState.REVOTE:
        meeting.add_round(
            VoteRound(
                new_id(), vote.case_id, vote.number + 1, result.contenders, vote.eligible, vote.rule
            )
        )
    return result
