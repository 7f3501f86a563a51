"""A year of weekly panels for a large authority, in simulated time: `make simulate`.

    .venv/bin/python benchmarks/simulate_year.py [--year 2027] [--seed 7] [--flaky 0.05]

3 localities, 25 members (one agency each), 15 families a week, Barnet's rules. Time is a
fake clock that jumps from one due moment to the next, as the scheduler plans them
(`scheduler.week.due_moments`, the daily follow-up, the monthly drift report). Every step runs
the real use cases (`panel/`) on in-memory repositories, and every message goes through the
the outbox and the real delivery worker (`bot/`) to a fake Teams connector that fails a share
of sends (`--flaky`) so they are retried. People act with seeded randomness: most agencies
answer their information checks in time, most leads do their milestones on time, a few cases
get stuck.

Prints the figures, including `lost:` and `duplicates:` as the fake connector counts them, and
checks that every sitting, deadline and milestone due date falls on a working day.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from adapters.bank_holidays import calendar_for
from adapters.in_memory import FakeClock, FakePanels, FakeStore, FakeUnitOfWork
from bot.delivery import Deliverer, TeamsDirectory
from bot.graph import marker_of
from bot.ports import Queue, References
from bot.rate_budget import RateBudget
from panel.cases import Consent, Person, Referral
from panel.errors import DomainError, VoteRejected
from panel.infochecks import Known
from panel.lifecycle import Event, Status
from panel.meeting import MeetingStatus
from panel.messages import ChannelNotice, DirectMessage
from panel.outcomes import YES, Decision, Milestone, is_question
from panel.policy import QuorumBasis, Section
from panel.ports import Clock
from panel.presets import BARNET
from panel.quorum import Presence, quorum
from panel.roster import Member, Panel, Role
from panel.timeline import Timeline
from panel.usecases import (
    follow_up,
    info_checks,
    intake,
    leads,
    outcomes,
    panel_day,
    votes,
    week,
)
from panel.usecases.common import Deps
from panel.usecases.follow_up import close_case, drift_report, run_follow_up
from scheduler.week import due_moments

LONDON = ZoneInfo("Europe/London")
LOCALITIES = ("South", "West", "East/Central")
AGENCIES = tuple(f"Agency {n:02d}" for n in range(1, 26))
CHAIR, SUPPORT = "chair", "support"


def member(n: int) -> str:
    return f"member-{n:02d}"


PRACTITIONERS = 4  # per agency, each a lead professional (Barnet: up to 15 families each)


def practitioner(n: int, k: int) -> str:
    return f"practitioner-{n:02d}-{k}"


def large_panel() -> Panel:
    policy = replace(
        BARNET,
        localities=LOCALITIES,
        key_agencies=frozenset(AGENCIES[:5]),
        quorum_basis=QuorumBasis.KEY_MEMBERS,
        quorum_minimum=3,
    )
    members = [
        Member(CHAIR, "Chair", frozenset({Role.CHAIR})),
        Member(SUPPORT, "Business support", frozenset({Role.BUSINESS_SUPPORT})),
        *(
            Member(member(n), f"Member {n}", frozenset({Role.MEMBER}), agency=a, manager_id=CHAIR)
            for n, a in enumerate(AGENCIES, 1)
        ),
        *(
            Member(
                practitioner(n, k),
                f"Practitioner {n}.{k}",
                frozenset({Role.PRACTITIONER}),
                agency=a,
                manager_id=CHAIR,
                caseload="lead-professional",
            )
            for n, a in enumerate(AGENCIES, 1)
            for k in range(1, PRACTITIONERS + 1)
        ),
    ]
    return Panel(
        "large",
        "Large authority panel",
        policy,
        calendar_for(policy),
        frozenset(AGENCIES),
        tuple(members),
        tenant_id="tenant",
    )


# -- The fake Teams: an in-memory outbox and a connector that sometimes fails -----------------


def _review_held(milestone: Milestone) -> bool:
    return "review" in milestone.code and milestone.done_on is not None


def answer_to(line: str) -> str:
    """A checklist line answered as a chair would: a question in words, a statement Yes."""
    return "Discussed at the panel; see the rationale." if is_question(line) else YES


@dataclass
class ToTheOutbox:
    """Where the in-memory store puts what a use case committed: the simulated outbox, as the
    SQL unit of work writes it to the outbox table in production (the same key, kind, typed
    payload and what it depends on)."""

    def __init__(self, outbox: MemoryOutbox, clock: FakeClock) -> None:
        self._outbox, self._clock = outbox, clock

    async def direct(self, message: DirectMessage) -> None:
        await self._put(message)

    async def channel(self, notice: ChannelNotice) -> None:
        await self._put(notice)

    async def _put(self, message: DirectMessage | ChannelNotice) -> None:
        await self._outbox.enqueue(
            message.key,
            message.recipient,
            message.kind.value,
            message.payload,
            self._clock.now(),
            None if message.queued_for is None else message.queued_for.to_json(),
        )


@dataclass
class Item:
    id: int
    key: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    attempts: int = 0
    due: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=LONDON))
    sent: bool = False
    gave_up: bool = False
    unconfirmed_since: datetime | None = None
    queued_for: Mapping[str, object] | None = None
    cancelled: str = ""
    queued_at: datetime | None = None


class MemoryOutbox:
    """The Queue port in memory: idempotency keys, due times, attempts."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.keys: set[str] = set()
        self.pending: dict[int, Item] = {}  # neither sent nor given up

    async def enqueue(
        self,
        key: str,
        recipient: str,
        kind: str,
        payload: Mapping[str, object],
        now: datetime,
        queued_for: Mapping[str, object] | None = None,
    ) -> bool:
        if key in self.keys:
            return False
        self.keys.add(key)
        item = Item(len(self.items) + 1, key, recipient, kind, dict(payload), due=now)
        item.queued_for, item.queued_at = queued_for, now
        self.items.append(item)
        self.pending[item.id] = item
        return True

    async def claim(self, worker: str, now: datetime, limit: int, lease: timedelta) -> list[Item]:
        due = [i for i in self.pending.values() if i.due <= now]
        return due[:limit]

    async def mark_sent(
        self, message_id: int, worker: str, now: datetime, teams_message_id: str | None = None
    ) -> bool:
        item = self.items[message_id - 1]
        item.sent, item.unconfirmed_since = True, None
        self.pending.pop(message_id, None)
        return True

    async def begin(self, message_id: int, worker: str, now: datetime) -> bool:
        item = self.items[message_id - 1]
        item.unconfirmed_since = item.unconfirmed_since or now
        return True

    async def release(self, worker: str, now: datetime) -> int:
        return 0  # the simulation never stops its worker

    async def heartbeat(self, worker: str, now: datetime, alive: timedelta) -> int:
        return 1  # one worker

    async def cancel(self, message_id: int, worker: str, now: datetime, reason: str) -> bool:
        item = self.items[message_id - 1]
        item.cancelled, item.payload = reason, {}
        self.pending.pop(message_id, None)
        return True

    async def mark_failed(
        self,
        message_id: int,
        worker: str,
        now: datetime,
        error: str,
        retry_at: datetime | None,
        unconfirmed_since: datetime | None = None,
    ) -> bool:
        item = self.items[message_id - 1]
        item.attempts += 1
        item.unconfirmed_since = unconfirmed_since
        if retry_at is None:
            item.gave_up = True
            self.pending.pop(message_id, None)
        else:
            item.due = retry_at
        return True


class EveryoneReachable:
    """Every person has a 1:1 conversation and the team is installed."""

    async def save(self, tenant_id: str, person_id: str, reference: Any, now: datetime) -> None:
        return None

    async def get(self, tenant_id: str, person_id: str) -> dict[str, Any] | None:
        return {
            "conversation": {"id": f"a:{person_id}", "conversationType": "personal"},
            "serviceUrl": "https://connector.invalid/",
            "channelId": "msteams",
            "bot": {"id": "28:bot"},
        }


class FakeConnector:
    """Stands in for CloudAdapter's proactive sends. A share of them fail: half before the
    message arrives, half after it (the connection drops before Teams' answer: ambiguous).
    It also answers, as Graph would, whether a card with a given marker arrived."""

    def __init__(self, flaky: float, rng: random.Random) -> None:
        self.flaky, self.rng = flaky, rng
        self.delivered: Counter[str] = Counter()  # by outbox key
        self.markers: set[str] = set()  # of every card that arrived
        self.failures = 0
        self.ambiguous = 0
        self.looked_up = 0
        self.keys: dict[str, str] = {}  # outbox key by card marker: sends go side by side

    async def continue_conversation(self, reference: Any, logic: Any, bot_id: str) -> None:
        connector = self

        class Turn:
            async def send_activity(self, activity: Any) -> None:
                failing = connector.rng.random() < connector.flaky
                if failing and connector.rng.random() < 0.5:
                    connector.failures += 1
                    raise ConnectionResetError("the fake connector dropped the connection")
                marker = activity.attachments[0].content["id"]
                connector.delivered[connector.keys[marker]] += 1
                connector.markers.add(marker)
                if failing:
                    connector.failures += 1
                    connector.ambiguous += 1
                    raise ConnectionResetError("dropped after the message arrived")

        await logic(Turn())

    async def arrived(self, recipient: str, tenant: str, marker: str, since: datetime) -> bool:
        self.looked_up += 1
        return marker in self.markers


class TracingDeliverer(Deliverer):
    """The real worker; tells the fake connector which outbox key it is sending."""

    def __init__(
        self,
        connector: FakeConnector,
        queue: Queue,
        references: References,
        directory: TeamsDirectory,
        clock: Clock,
        budget: RateBudget,
        *,
        reconcile: bool = True,
    ) -> None:
        super().__init__(
            connector,  # stands in for the CloudAdapter
            "",
            queue,
            references,
            directory,
            clock,
            budget,
            receipts=connector if reconcile else None,
        )
        self.connector = connector

    async def _deliver(self, item: Any) -> None:
        self.connector.keys[marker_of(item.id)] = item.key
        await super()._deliver(item)


# -- The year -----------------------------------------------------------------------------------


@dataclass
class Figures:
    referred: int = 0
    panels: int = 0
    decided: int = 0
    answers_on_time: int = 0
    answers_late: int = 0
    answers_missing: int = 0
    milestones_met: int = 0
    milestones_missed: int = 0
    reviews: list[int] = field(default_factory=lambda: [0, 0])  # [late, on the day]
    peak_caseload: int = 0  # the most families one practitioner led on any day
    over_caseload: int = 0  # namings that took a practitioner over their limit
    closed: int = 0
    re_listed: Counter[str] = field(default_factory=Counter)
    off_day: list[str] = field(default_factory=list)


class Year:
    def __init__(self, year: int, seed: int, flaky: float, reconcile: bool = True) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - people's behaviour, not secrets
        self.panel = large_panel()
        self.timeline = Timeline(self.panel.policy, self.panel.calendar)
        self.clock = FakeClock(datetime(year, 1, 1, 9, tzinfo=LONDON))
        self.store = FakeStore(copies=False)  # the run stops at the first refusal
        self.outbox = MemoryOutbox()
        self.connector = FakeConnector(flaky, self.rng)
        self.deliverer = TracingDeliverer(
            self.connector,
            self.outbox,
            EveryoneReachable(),
            TeamsDirectory(channel_of_panel={"large": ("team", "channel")}),
            self.clock,
            # Teams' rate limits on the simulated clock: waiting for a token moves time on.
            RateBudget(monotonic=lambda: self.clock.now().timestamp(), sleep=self._wait),
            reconcile=reconcile,
        )
        self.store.notifier = ToTheOutbox(self.outbox, self.clock)
        self.deps = Deps(FakePanels(self.panel), lambda: FakeUnitOfWork(self.store), self.clock)
        self.year = year
        self.figures = Figures()
        self.n = 0
        self.late: list[tuple[datetime, str, int]] = []  # (when, meeting, member number)

    async def _wait(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def at(self, moment: datetime) -> None:
        self.clock.set(max(moment, self.clock.now()))

    async def deliver(self) -> None:
        while await self.deliverer.deliver_due():
            pass

    async def refer_week(self) -> None:
        for locality in LOCALITIES:
            for _ in range(5):
                self.n += 1
                referral = Referral(
                    f"EHM-{self.n:05d}",
                    locality,
                    Section.NEW_REFERRAL if self.n % 4 else Section.STEP_DOWN,
                    (Person(f"Child {self.n}", date(2018, 1, 1)),),
                    presenting_needs="Needs",
                    consent=Consent("Parent", self.clock.now().date()),
                )
                case_id = await intake.refer_case(
                    self.deps, panel_id=self.panel.id, actor=SUPPORT, referral=referral
                )
                await intake.screen_case(
                    self.deps,
                    panel_id=self.panel.id,
                    actor=SUPPORT,
                    case_id=case_id,
                    decision=Event.LIST,
                )
                self.figures.referred += 1

    async def answer(self, meeting_id: str, deadline: datetime) -> None:
        meeting = self.store.meetings[meeting_id]
        if meeting.status is not MeetingStatus.CIRCULATED:
            return  # an empty agenda is frozen and never circulated
        for n in range(1, len(AGENCIES) + 1):
            roll = self.rng.random()
            if roll < 0.05:
                self.figures.answers_missing += len(meeting.items)
            elif roll < 0.12:
                # Answered an hour after the deadline, when the day loop gets there: moving
                # the clock on now would run the days between at that later hour.
                self.late.append((deadline + timedelta(hours=1), meeting_id, n))
            else:
                await self.answer_for(meeting_id, n)
                self.figures.answers_on_time += len(meeting.items)

    async def answer_for(self, meeting_id: str, n: int) -> None:
        for item in self.store.meetings[meeting_id].items:
            offers = self.rng.random() < 0.15
            await info_checks.record_info_check(
                self.deps,
                meeting_id=meeting_id,
                actor=member(n),
                case_id=item.case_id,
                known=Known.KNOWN,
                information="",
                could_lead=offers,
            )
        await info_checks.record_capacity(
            self.deps, meeting_id=meeting_id, actor=member(n), allocations=2
        )

    async def late_answers(self, day: date) -> None:
        due = sorted((a for a in self.late if a[0].date() == day), key=lambda a: a[0])
        self.late = [a for a in self.late if a[0].date() != day]
        for moment, meeting_id, n in due:
            self.at(moment)
            await self.answer_for(meeting_id, n)
            self.figures.answers_late += len(self.store.meetings[meeting_id].items)

    async def sit(self, meeting_id: str, starts: datetime) -> None:
        self.at(starts)
        await panel_day.start_panel(self.deps, panel_id=self.panel.id, actor=CHAIR, early=True)
        for n, _ in enumerate(AGENCIES, 1):
            presence = Presence.APOLOGIES if self.rng.random() < 0.2 else Presence.PRESENT
            await panel_day.sign_in(
                self.deps,
                meeting_id=meeting_id,
                actor=member(n),
                presence=presence,
                accepted_statement=True,
            )
        meeting = self.store.meetings[meeting_id]
        outcome = next(o for o in self.panel.policy.outcomes if o.needs_lead)
        for index, item in enumerate(meeting.items):
            self.at(starts + timedelta(minutes=10 * index))
            await panel_day.open_case(
                self.deps, meeting_id=meeting_id, actor=CHAIR, case_id=item.case_id
            )
            lead = AGENCIES[self.rng.randrange(len(AGENCIES))]
            quorate = quorum(self.panel.policy, self.store.meetings[meeting_id].attendance.values())
            if index < 3 and quorate.quorate:  # votes on the first items, as for contested ones
                lead = await self.vote_on(meeting_id, item.case_id) or lead
            decision = Decision(
                item.case_id,
                outcome.code,
                starts.date(),
                lead_agency=lead,
                taf_agencies=(lead,) if outcome.needs_taf else (),
                checklist=tuple((line, answer_to(line)) for line in self.panel.policy.checklist),
                agreed=True,  # when a vote decided it, the use case records the vote instead
            )
            await outcomes.record_outcome(
                self.deps, meeting_id=meeting_id, actor=CHAIR, decision=decision
            )
            await self.name_lead(item.case_id, lead)
            self.figures.decided += 1
        self.at(starts + timedelta(hours=3))
        await outcomes.close_panel(self.deps, meeting_id=meeting_id, actor=CHAIR)
        self.figures.panels += 1

    async def name_lead(self, case_id: str, agency: str) -> None:
        """The lead agency names the practitioner of its four who leads fewest families."""
        n = AGENCIES.index(agency) + 1
        if self.store.cases[case_id].lead is not None:
            return  # back at panel and kept by its agency: its practitioner still leads it
        led = [
            c.lead.practitioner
            for c in self.store.cases.values()
            if c.lead and c.status is Status.TRACKING
        ]
        chosen = min(range(1, PRACTITIONERS + 1), key=lambda k: led.count(practitioner(n, k)))
        named = await leads.name_lead_practitioner(
            self.deps,
            panel_id=self.panel.id,
            actor=member(n),
            case_id=case_id,
            practitioner=practitioner(n, chosen),
        )
        self.figures.over_caseload += named.over

    def count_caseloads(self) -> None:
        led = Counter(
            c.lead.practitioner
            for c in self.store.cases.values()
            if c.lead is not None and c.status is Status.TRACKING
        )
        self.figures.peak_caseload = max(self.figures.peak_caseload, *led.values(), 0)

    async def vote_on(self, meeting_id: str, case_id: str) -> str | None:
        """The panel votes on the lead; None when only one agency could lead (agreed, no
        vote) or the vote did not decide."""
        try:
            vote = await votes.open_vote(
                self.deps, meeting_id=meeting_id, actor=CHAIR, case_id=case_id
            )
        except VoteRejected:
            return None
        lead: str | None = None
        for n, agency in enumerate(AGENCIES, 1):
            if agency in vote.eligible:
                choice = vote.candidates[self.rng.randrange(len(vote.candidates))]
                await votes.cast_vote(
                    self.deps,
                    meeting_id=meeting_id,
                    actor=member(n),
                    round_id=vote.id,
                    choice=choice,
                )
        result = self.store.meetings[meeting_id].rounds[vote.id].result
        if result is not None and result.winner:
            lead = result.winner
        elif result is not None and result.contenders:
            await votes.casting_vote(
                self.deps,
                meeting_id=meeting_id,
                actor=CHAIR,
                round_id=vote.id,
                choice=result.contenders[0],
            )
            lead = result.contenders[0]
        return lead

    async def follow_up_day(self, day: date) -> None:
        self.at(datetime.combine(day, clock_time(7, 30), LONDON))
        self.count_caseloads()
        await run_follow_up(self.deps, self.panel.id)
        if day.day == 1:
            self.at(datetime.combine(day, clock_time(9), LONDON))
            await drift_report(self.deps, self.panel.id)
        if not self.panel.calendar.is_working_day(day):
            return
        self.at(datetime.combine(day, clock_time(16), LONDON))
        for case in list(self.store.cases.values()):
            if case.status is not Status.TRACKING or case.decision is None:
                continue
            for m in case.milestones:
                if not m.open or m.due > day:
                    continue
                if (m.due == day and self.rng.random() < 0.85) or (
                    m.due < day and self.rng.random() < 0.3
                ):
                    lead = case.decision.lead_agency or AGENCIES[0]
                    actor = member(AGENCIES.index(lead) + 1)
                    await follow_up.mark_milestone(
                        self.deps,
                        panel_id=self.panel.id,
                        actor=actor,
                        case_id=case.id,
                        code=m.code,
                        done_on=day,
                    )
                    if m.due == day:
                        self.figures.milestones_met += 1
                    else:
                        self.figures.milestones_missed += 1
                    if "review" in m.code:
                        self.figures.reviews[m.due == day] += 1
            if case.status is not Status.TRACKING:
                continue
            if self.rng.random() < 0.0005:
                await follow_up.mark_stuck(
                    self.deps,
                    panel_id=self.panel.id,
                    actor=CHAIR,
                    case_id=case.id,
                    reason="Drifting",
                )
            elif not any(m.open for m in self.store.cases[case.id].milestones) or (
                # Reviews recur until the plan is achieved: after two, many families are done.
                sum(1 for m in self.store.cases[case.id].milestones if _review_held(m)) >= 2
                and self.rng.random() < 0.05
            ):
                lead = case.decision.lead_agency or AGENCIES[0]
                await close_case(
                    self.deps,
                    panel_id=self.panel.id,
                    actor=member(AGENCIES.index(lead) + 1),
                    case_id=case.id,
                    reason="Plan complete: support ended.",
                    confirmed=frozenset(self.panel.policy.closure_checks),
                )
                self.figures.closed += 1

    async def run(self) -> None:
        day = date(self.year, 1, 1)
        end = date(self.year, 12, 31)
        referred_for: set[date] = set()
        while day <= end:
            schedule = self.timeline.next_panel(datetime.combine(day, clock_time(0), LONDON))
            if schedule.panel_date not in referred_for and day.weekday() == 0:
                self.at(datetime.combine(day, clock_time(10), LONDON))
                await self.refer_week()
                referred_for.add(schedule.panel_date)
            day_start = datetime.combine(day, clock_time(0), LONDON)
            for moment in due_moments(self.panel.policy, self.panel.calendar, day_start):
                if moment.date() != day:
                    continue
                self.at(moment)
                await week.run_week(self.deps, self.panel.id)
                await panel_day.run_panel_day(self.deps, self.panel.id)
                await self.deliver()
                meeting = await self._meeting_on(schedule.panel_date)
                if moment == schedule.circulation_at and meeting is not None:
                    self.at(moment + timedelta(hours=20))
                    await self.answer(meeting.id, schedule.info_check_deadline_at)
            await self.late_answers(day)
            if day == schedule.panel_date and schedule.starts_at.date() == day:
                meeting = await self._meeting_on(day)
                if meeting is not None and meeting.status is MeetingStatus.CIRCULATED:
                    await self.sit(meeting.id, schedule.starts_at)
                    self._check_days(schedule)
            await self.follow_up_day(day)
            await self.deliver()
            day += timedelta(days=1)
        self.at(datetime.combine(end + timedelta(days=14), clock_time(12), LONDON))
        await self.deliver()
        for case in self.store.cases.values():
            for transition in case.history:
                if transition.event in (Event.ROLL_OVER, Event.MARK_STUCK, Event.REVIEW_DUE):
                    self.figures.re_listed[transition.event.value] += 1
            for m in case.milestones:
                if not self.panel.calendar.is_working_day(m.due):
                    self.figures.off_day.append(f"{case.reference} {m.code} {m.due}")

    async def _meeting_on(self, day: date) -> Any:
        async with FakeUnitOfWork(self.store) as uow:
            return await uow.meetings.on_date(self.panel.id, day)

    def _check_days(self, schedule: Any) -> None:
        calendar = self.panel.calendar
        for what, moment in (
            ("panel", schedule.starts_at),
            ("cut-off", schedule.cutoff_at),
            ("circulation", schedule.circulation_at),
            ("info-check deadline", schedule.info_check_deadline_at),
        ):
            if not calendar.is_working_day(moment.date()):
                self.figures.off_day.append(f"{what} {moment.date()}")


def main() -> None:
    # The worker logs each retried send; a year of them would bury the figures.
    logging.getLogger("bot").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=2027)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--flaky", type=float, default=0.05, help="share of sends that fail")
    parser.add_argument(
        "--no-reconcile",
        action="store_true",
        help="send again without looking first (as without Graph credentials): shows the "
        "duplicates that looking prevents",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    year = Year(args.year, args.seed, args.flaky, reconcile=not args.no_reconcile)
    try:
        asyncio.run(year.run())
    except DomainError as error:
        sys.exit(f"The simulation was refused by a rule: {error.message}")
    wall = time.perf_counter() - started
    f, outbox, connector = year.figures, year.outbox, year.connector
    kinds = Counter(i.kind for i in outbox.items)
    delivered_keys = {k for k, n in connector.delivered.items() if n}
    lost = sum(1 for i in outbox.items if i.key not in delivered_keys)
    duplicates = sum(n - 1 for n in connector.delivered.values() if n > 1)
    print(f"year: {args.year}, seed {args.seed}, 3 localities, 25 members, 15 cases a week")
    print(f"panels held: {f.panels}")
    empty = sorted(m.panel_date for m in year.store.meetings.values() if not m.items)
    if empty:
        print("  with nothing listed by the cut-off: " + ", ".join(map(str, empty)))
    print(
        f"cases referred: {f.referred}, decided: {f.decided}, closed after their plan: {f.closed}"
    )
    print(f"messages sent: {sum(connector.delivered.values())}")
    for kind, n in sorted(kinds.items()):
        print(f"  {kind}: {n}")
    print(
        f"send failures retried: {connector.failures} "
        f"({connector.ambiguous} after the message had arrived; "
        f"{connector.looked_up} looked for before sending again)"
    )
    print(f"lost: {lost}")
    print(f"duplicates: {duplicates}")
    print(
        f"info checks on time: {f.answers_on_time}, late: {f.answers_late}, "
        f"missing: {f.answers_missing}"
    )
    print(f"milestones met on the day: {f.milestones_met}, done late: {f.milestones_missed}")
    print(f"reviews held on the day: {f.reviews[1]}, late: {f.reviews[0]}")
    print(
        f"practitioners' peak caseload: {f.peak_caseload} families "
        f"(limit {BARNET.caseload_limits['lead-professional']}); "
        f"namings over the limit: {f.over_caseload}"
    )
    print("cases re-listed: " + ", ".join(f"{k} {v}" for k, v in sorted(f.re_listed.items())))
    print(f"dates off a working day: {len(f.off_day)}")
    for line in f.off_day[:10]:
        print(f"  {line}")
    print(f"wall time: {wall:.1f} s")
    if f.off_day or lost or duplicates:
        sys.exit(1)


if __name__ == "__main__":
    main()
