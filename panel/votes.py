"""Lead-agency votes: one per agency, server-side tally, deterministic result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from panel.errors import NotQuorate, VoteRejected
from panel.policy import Candidates, Deadlock, MajorityBase, Policy


class RoundState(Enum):
    OPEN = "open"
    AWAITING_CASTING_VOTE = "awaiting-casting-vote"
    DECIDED = "decided"
    REVOTE = "revote"  # closed without a decision; a new round among the leaders follows
    ESCALATED = "escalated"

    @property
    def closed(self) -> bool:
        return self is not RoundState.OPEN


@dataclass(frozen=True)
class VoteRule:
    majority_base: MajorityBase
    chair_casting_vote: bool
    on_deadlock: Deadlock
    max_revotes: int
    escalation_route: str

    @classmethod
    def of(cls, policy: Policy) -> VoteRule:
        return cls(
            policy.majority_base,
            policy.chair_casting_vote,
            policy.on_deadlock,
            policy.max_revotes,
            policy.escalation_route,
        )


@dataclass(frozen=True)
class VoteCast:
    round_id: str
    agency: str
    choice: str
    duplicate: bool  # the same vote again (a double click or a re-delivery): nothing changed


@dataclass(frozen=True)
class Tally:
    counts: tuple[tuple[str, int], ...]  # every candidate, most votes first, then by name
    cast: int
    base: int  # what a majority is measured against

    @property
    def leaders(self) -> tuple[str, ...]:
        top = self.counts[0][1] if self.counts else 0
        return tuple(name for name, n in self.counts if n == top)

    @property
    def majority_winner(self) -> str | None:
        if not self.counts or self.cast == 0:
            return None
        name, top = self.counts[0]
        return name if top * 2 > self.base else None

    def line(self) -> str:
        return ", ".join(f"{name} {n}" for name, n in self.counts if n) or "no votes cast"


@dataclass(frozen=True)
class RoundResult:
    state: RoundState
    tally: Tally
    winner: str | None = None
    contenders: tuple[str, ...] = ()  # for a casting vote or a re-vote
    by_casting_vote: bool = False
    escalation_route: str = ""

    def summary(self) -> str:
        match self.state:
            case RoundState.DECIDED if self.by_casting_vote:
                return f"{self.winner} leads, on the chair's casting vote ({self.tally.line()})."
            case RoundState.DECIDED:
                return f"{self.winner} leads ({self.tally.line()})."
            case RoundState.AWAITING_CASTING_VOTE:
                return f"No majority ({self.tally.line()}): the chair has the casting vote."
            case RoundState.REVOTE:
                return f"No majority ({self.tally.line()}): vote again between the leaders."
            case RoundState.ESCALATED:
                return f"No majority ({self.tally.line()}): escalated. {self.escalation_route}"
            case RoundState.OPEN:
                return "Voting is open."


def choose_candidates(
    policy: Policy, present: frozenset[str], offered: Iterable[str]
) -> tuple[str, ...]:
    """Agencies the panel votes between: those present who offered to lead, per policy.

    When nobody present offered, every agency present is a candidate, so the panel can still
    decide rather than stall.
    """
    if policy.candidates is Candidates.OFFERED_TO_LEAD:
        offers = present & frozenset(offered)
        if offers:
            return tuple(sorted(offers))
    return tuple(sorted(present))


@dataclass
class VoteRound:
    id: str
    case_id: str
    number: int
    candidates: tuple[str, ...]
    eligible: frozenset[str]
    rule: VoteRule
    votes: dict[str, str] = field(default_factory=dict)
    state: RoundState = RoundState.OPEN
    result: RoundResult | None = None

    @classmethod
    def open(
        cls,
        round_id: str,
        case_id: str,
        *,
        candidates: Iterable[str],
        present: frozenset[str],
        conflicted: frozenset[str],
        rule: VoteRule,
        quorate: bool,
        number: int = 1,
    ) -> VoteRound:
        if not quorate:
            raise NotQuorate("The panel is not quorate, so it cannot vote.")
        eligible = present - conflicted
        if not eligible:
            raise VoteRejected("No agency present is able to vote on this case.")
        names = tuple(sorted(set(candidates)))
        if not names:
            raise VoteRejected("There is no agency to vote for.")
        if len(names) == 1:
            # Nothing to choose between: the panel agrees the lead instead (issue 14).
            raise VoteRejected(
                f"Only {names[0]} can be chosen, so there is nothing to vote on: record the "
                f"outcome as agreed, with {names[0]} as lead."
            )
        return cls(round_id, case_id, number, names, eligible, rule)

    def cast(self, agency: str, choice: str, *, quorate: bool) -> VoteCast:
        # The same vote again (a double click, a re-delivered activity) is harmless even after
        # the round closed: the agency is told its vote stands, and nothing changes.
        if self.votes.get(agency) == choice:
            return VoteCast(self.id, agency, choice, duplicate=True)
        if self.state.closed:
            raise VoteRejected("Voting is closed for this case.")
        if agency not in self.eligible:
            raise VoteRejected(
                "Your agency cannot vote on this case: it is not signed in as present, or has "
                "declared a conflict."
            )
        if choice not in self.candidates:
            raise VoteRejected("That agency is not one of the choices in this vote.")
        if agency in self.votes:
            raise VoteRejected("Your agency has already voted in this round.")
        if not quorate:
            raise NotQuorate("The panel is no longer quorate, so votes cannot be cast.")
        self.votes[agency] = choice
        return VoteCast(self.id, agency, choice, duplicate=False)

    @property
    def everyone_voted(self) -> bool:
        return self.eligible <= self.votes.keys()

    def tally(self) -> Tally:
        counts = dict.fromkeys(self.candidates, 0)
        for choice in self.votes.values():
            counts[choice] += 1
        ordered = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        cast = len(self.votes)
        base = cast if self.rule.majority_base is MajorityBase.VOTES_CAST else len(self.eligible)
        return Tally(ordered, cast, base)

    def close(self) -> RoundResult:
        if self.state.closed:
            raise VoteRejected("This vote is already closed.")
        tally = self.tally()
        winner = tally.majority_winner
        if winner is not None:
            result = RoundResult(RoundState.DECIDED, tally, winner=winner)
        elif self.rule.chair_casting_vote:
            result = RoundResult(RoundState.AWAITING_CASTING_VOTE, tally, contenders=tally.leaders)
        elif self.rule.on_deadlock is Deadlock.REVOTE and self.number <= self.rule.max_revotes:
            result = RoundResult(RoundState.REVOTE, tally, contenders=tally.leaders)
        else:
            result = RoundResult(
                RoundState.ESCALATED, tally, escalation_route=self.rule.escalation_route
            )
        self.state, self.result = result.state, result
        return result

    def casting_vote(self, choice: str) -> RoundResult:
        given = self.result
        if given is not None and given.by_casting_vote and given.winner == choice:
            return given  # pressed twice, or from a console that had not caught up: it stands
        if self.state is not RoundState.AWAITING_CASTING_VOTE or self.result is None:
            raise VoteRejected("There is no tie waiting for a casting vote.")
        if choice not in self.result.contenders:
            raise VoteRejected("The casting vote must go to one of the tied agencies.")
        result = RoundResult(
            RoundState.DECIDED, self.result.tally, winner=choice, by_casting_vote=True
        )
        self.state, self.result = result.state, result
        return result
