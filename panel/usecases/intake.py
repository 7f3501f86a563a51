"""Intake and screening: business support or the chair list a referred family, correct it while
it waits, screen it onto the next panel's list (or straight to allocation or the MASH), or
withdraw it; and see their working list of cases not yet discussed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from panel.calendar import long_date
from panel.cases import Case, Referral, check_referral
from panel.errors import AgendaFrozen, InvalidInput
from panel.lifecycle import EDITABLE, WITHDRAWABLE, Event, Status
from panel.messages import Allocation, DirectMessage
from panel.policy import Section
from panel.relevance import QueuedFor
from panel.roster import Role
from panel.usecases.common import (
    STAFF,
    Deps,
    Work,
    case_of,
    in_play,
    new_id,
    on_panel,
    timeline_of,
)
from panel.usecases.referrers import tell_referrer


@dataclass(frozen=True)
class CaseLine:
    """One case on business support's working list (1:1 only: it names the children)."""

    case_id: str
    reference: str
    locality: str
    route: Section
    status: Status
    children: tuple[str, ...]
    referred_at: datetime
    times_rolled_over: int
    referrer: str = ""  # "Jo Bloggs (St Mary's School, jo@...)": typed text, shown literally

    @classmethod
    def of(cls, case: Case) -> CaseLine:
        return cls(
            case.id,
            case.reference,
            case.locality,
            case.section,
            case.status,
            tuple(c.name for c in case.children),
            case.referred_at,
            case.times_rolled_over,
            case.referrer.said() if case.referrer else "",
        )

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def withdrawable(self) -> bool:
        return self.status in WITHDRAWABLE

    @property
    def awaiting_screening(self) -> bool:
        return self.status is Status.REFERRED


DUPLICATE = "A case with that reference is already open for this panel."


async def refer_case(deps: Deps, *, panel_id: str, actor: str, referral: Referral) -> str:
    """Record a referred family. Refuses without consent (per policy) or with an immediate
    safeguarding concern, in which case nothing is stored."""
    async with on_panel(deps, actor, "case.refer", panel_id, *STAFF) as work:
        now = work.now()
        check_referral(referral, work.panel.policy, work.today())
        if await work.uow.cases.active_with_reference(panel_id, referral.reference):
            raise InvalidInput(DUPLICATE)
        case = Case.from_referral(new_id(), panel_id, referral, now, actor)
        await work.uow.cases.add(case)
        await work.done(case.id)
        return case.id


@dataclass(frozen=True)
class Screened:
    reference: str
    status: Status
    panel_date: date | None = None  # listed: the sitting whose agenda it will go on
    cutoff_at: datetime | None = None


async def screen_case(
    deps: Deps,
    *,
    panel_id: str,
    actor: str,
    case_id: str,
    decision: Event,
    reason: str = "",
    lead_agency: str | None = None,
) -> Screened:
    """List the case for a panel, allocate it directly to `lead_agency` (Barnet 001 §5.5:
    «referrals that do not require a multi-agency wrap-around ... will be allocated by Early
    Help managers directly»), or redirect it to the MASH."""
    async with on_panel(deps, actor, "case.screen", panel_id, *STAFF, case_id=case_id) as work:
        if decision not in (Event.LIST, Event.ALLOCATE_DIRECTLY, Event.REDIRECT_TO_MASH):
            raise InvalidInput("Screening lists the case, allocates it directly or redirects it.")
        case = await case_of(work.uow, panel_id, case_id)
        if decision is Event.ALLOCATE_DIRECTLY:
            if lead_agency not in work.panel.agencies:
                raise InvalidInput("Choose the agency that will lead.")
            why = reason.strip()
            reason = f"Allocated directly to {lead_agency}" + (f": {why}" if why else ".")
        status = case.apply(decision, work.now(), reason)
        if decision is Event.ALLOCATE_DIRECTLY and lead_agency is not None:
            _tell_direct_allocation(work, case, lead_agency)
        schedule = await in_play(work.uow, work.panel, work.now())
        meeting = await work.uow.meetings.on_date(panel_id, schedule.panel_date)
        if meeting is not None and meeting.agenda is not None:
            # That agenda is frozen: the case waits for the next one.
            schedule = timeline_of(work.panel).following(schedule)
        if status is Status.LISTED:
            for message in tell_referrer(
                work.panel,
                case,
                f"is listed for the panel on {long_date(schedule.panel_date)}.",
                f"listed:{case.id}:{schedule.panel_date.isoformat()}",
            ):
                work.send(message)
        await work.done()
    if status is not Status.LISTED:
        return Screened(case.reference, status)
    zone = timeline_of(work.panel).zone
    return Screened(
        case.reference, status, schedule.panel_date, schedule.cutoff_at.astimezone(zone)
    )


def _tell_direct_allocation(work: Work, case: Case, agency: str) -> None:
    """The lead agency's members, 1:1, and the referrer."""
    about_case = QueuedFor(work.panel.id, case_ids=(case.id,))
    for member in work.panel.members_of(agency):
        work.send(
            DirectMessage(
                member.person_id,
                f"direct-allocation:{case.id}:{member.person_id}",
                f"{agency} is lead for case {case.reference}: allocated directly, without panel "
                "discussion.",
                Allocation(case.id, ()),
                queued_for=about_case,
            )
        )
    for message in tell_referrer(
        work.panel,
        case,
        f"was allocated directly to {agency}, without panel discussion.",
        f"direct:{case.id}",
    ):
        work.send(message)


async def withdraw_case(deps: Deps, *, panel_id: str, actor: str, case_id: str, reason: str) -> str:
    """Withdraw a case not yet discussed; its reference, for the confirmation."""
    async with on_panel(deps, actor, "case.withdraw", panel_id, *STAFF, case_id=case_id) as work:
        case = await case_of(work.uow, panel_id, case_id)
        case.apply(Event.WITHDRAW, work.now(), reason)
        # From this moment the case is on no pack, console, agenda or case card, and any
        # action on it is refused, because each of them reads the meeting's agenda; and
        # messages about it still queued are dropped by the delivery worker
        # (docs/safeguards.md §11).
        for meeting in await work.uow.meetings.listing(case_id):
            meeting.withdraw(case_id)
        await work.done()
        return case.reference


async def edit_case(
    deps: Deps, *, panel_id: str, actor: str, case_id: str, referral: Referral
) -> None:
    """Correct a referral while it still waits for an agenda; the same checks as listing it."""
    async with on_panel(deps, actor, "case.edit", panel_id, *STAFF, case_id=case_id) as work:
        today = work.today()
        check_referral(referral, work.panel.policy, today)
        case = await case_of(work.uow, panel_id, case_id)
        if case.status not in EDITABLE:
            raise AgendaFrozen(
                "This case is already on a frozen agenda or past panel; ask the chair to "
                "raise any correction at the panel."
            )
        other = await work.uow.cases.active_with_reference(panel_id, referral.reference)
        if other is not None and other.id != case.id:
            raise InvalidInput(DUPLICATE)
        case.correct(referral)
        await work.done()


async def view_case(deps: Deps, *, panel_id: str, actor: str, case_id: str) -> Case:
    """Read one case's full record: staff, or a current member of the case's panel."""
    async with on_panel(
        deps, actor, "case.view", panel_id, Role.MEMBER, *STAFF, case_id=case_id
    ) as work:
        case = await case_of(work.uow, panel_id, case_id)
        await work.done()
        return case


async def case_for_editing(deps: Deps, *, panel_id: str, actor: str, case_id: str) -> Case:
    """The case as its edit form shows it: staff only."""
    async with on_panel(deps, actor, "case.view", panel_id, *STAFF, case_id=case_id) as work:
        case = await case_of(work.uow, panel_id, case_id)
        await work.done()
        return case


async def list_cases(deps: Deps, *, panel_id: str, actor: str) -> list[CaseLine]:
    """Cases referred and not yet discussed, oldest first: staff only."""
    async with on_panel(deps, actor, "case.list", panel_id, *STAFF) as work:
        cases = await work.uow.cases.before_panel(panel_id)
        for case in cases:
            await work.audit.allowed(work.uow, work.now(), case.id)
        await work.uow.commit()
        return [CaseLine.of(c) for c in cases]
