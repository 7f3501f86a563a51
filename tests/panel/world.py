"""A panel world on fakes: a roster per preset, a clock, a transcript. Used by the cycle tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from adapters.bank_holidays import calendar_for
from adapters.in_memory import FakeClock, FakeNotifier, FakePanels, FakeStore, FakeUnitOfWork
from panel.cases import Consent, Person, Referral
from panel.meeting import Meeting, MeetingStatus
from panel.policy import Policy, Section
from panel.roster import Member, Panel, Role
from panel.timeline import Timeline
from panel.usecases import week
from panel.usecases.common import Deps

LONDON = ZoneInfo("Europe/London")
CANARY_CHILD = "Zebedee Canary-Quill"
CANARY_DOB = date(2019, 2, 3)

CHAIR, SUPPORT = "chair-1", "support-1"
TENANT = "tenant-1"


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def member_id(agency: str) -> str:
    return "member-" + agency.lower().replace(" ", "-").replace("'", "").replace("&", "and")


def build_panel(policy: Policy, extra_agencies: tuple[str, ...] = ("Housing",)) -> Panel:
    agencies = tuple(sorted(policy.key_agencies)) + extra_agencies
    members = [
        Member(CHAIR, "Chair", frozenset({Role.CHAIR})),
        Member(SUPPORT, "Business Support", frozenset({Role.BUSINESS_SUPPORT})),
        *(Member(member_id(a), f"{a} rep", frozenset({Role.MEMBER}), agency=a) for a in agencies),
        Member(
            "deputy-" + member_id(agencies[0]),
            f"{agencies[0]} deputy",
            frozenset({Role.MEMBER}),
            deputy_of=member_id(agencies[0]),
        ),
        Member(
            "member-no-teams",
            "Probation rep",
            frozenset({Role.MEMBER}),
            agency="Probation",
            email="probation@example.org",
            has_teams=False,
        ),
    ]
    return Panel(
        policy.key,
        policy.name,
        policy,
        calendar_for(policy),
        frozenset(agencies) | {"Probation"},
        tuple(members),
        tenant_id=TENANT,
    )


@dataclass
class World:
    panel: Panel
    clock: FakeClock
    store: FakeStore
    notifier: FakeNotifier

    @property
    def deps(self) -> Deps:
        return Deps(FakePanels(self.panel), lambda: FakeUnitOfWork(self.store), self.clock)


def world(policy: Policy, now: datetime) -> World:
    notifier = FakeNotifier()
    return World(build_panel(policy), FakeClock(now), FakeStore(notifier=notifier), notifier)


def referral(
    reference: str,
    locality: str,
    route: Section = Section.NEW_REFERRAL,
    *,
    consent: bool = True,
    child: str = "Child A",
) -> Referral:
    return Referral(
        reference=reference,
        locality=locality,
        route=route,
        children=(Person(child, date(2018, 5, 1)),),
        family=(Person("Parent A", None, "mother"),),
        presenting_needs="School attendance; housing worries.",
        consent=Consent("Parent A", date(2026, 11, 2)) if consent else None,
    )


async def circulate_next(w: World) -> Meeting:
    """Move the clock to the next sitting's cut-off, freeze, then to circulation and send it."""
    schedule = Timeline(w.panel.policy, w.panel.calendar).next_open_for_listing(w.clock.now())
    w.clock.set(schedule.cutoff_at)
    meeting = await week.freeze_agenda(w.deps, panel_id=w.panel.id)
    assert meeting is not None
    assert meeting.status is MeetingStatus.FROZEN
    w.clock.set(schedule.circulation_at)
    await week.circulate_agenda(w.deps, meeting_id=meeting.id)
    return w.store.meetings[meeting.id]
