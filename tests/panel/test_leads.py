"""A named lead practitioner, and the lead role handed over (issue 16, item 2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from panel.errors import InvalidInput, NotPermitted
from panel.messages import Allocation, Kind, LeadNotice
from panel.presets import BARNET
from panel.roster import Member, Role
from panel.usecases import leads
from panel.usecases.follow_up import run_follow_up
from tests.panel.test_follow_up import MANAGER, PRACTITIONER, nudges, tracked_world
from tests.panel.world import CHAIR, World, london, member_id

SCHOOLS_PRACTITIONER = "practitioner-schools"


def with_schools_practitioner(w: World) -> World:
    someone = Member(
        SCHOOLS_PRACTITIONER, "Sam Schools", frozenset({Role.PRACTITIONER}), agency="Education"
    )
    w.panel = replace(w.panel, members=(*w.panel.members, someone))
    return w


async def test_the_named_practitioner_gets_the_allocation_and_alone_the_nudges() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    case = (
        await leads.name_lead_practitioner(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Health"),
            case_id="case-1",
            practitioner=PRACTITIONER,
        )
    ).case
    assert case.lead is not None
    assert case.lead.practitioner == PRACTITIONER
    [allocation] = [m for m in w.notifier.to(PRACTITIONER) if m.kind is Kind.ALLOCATION]
    assert allocation.text.startswith("You lead case EHM-9 for Health. Contact the family by")
    assert isinstance(allocation.body, Allocation)
    assert allocation.body.named

    w.clock.set(london(2027, 1, 6, 8))  # contact due today
    await run_follow_up(w.deps, w.panel.id)
    assert "Case EHM-9: Contact the family is due today." in nudges(w, PRACTITIONER)
    assert nudges(w, member_id("Health")) == []  # the agency's panel member is not chased

    with pytest.raises(InvalidInput, match="hand it over instead"):
        await leads.name_lead_practitioner(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Health"),
            case_id="case-1",
            practitioner=PRACTITIONER,
        )


async def test_only_the_lead_agency_its_managers_or_staff_name_the_lead() -> None:
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    with pytest.raises(NotPermitted, match="Only the lead agency"):
        await leads.name_lead_practitioner(
            w.deps,
            panel_id=w.panel.id,
            actor=member_id("Police"),
            case_id="case-1",
            practitioner=PRACTITIONER,
        )
    with pytest.raises(InvalidInput, match="Choose a practitioner of Health"):
        await leads.name_lead_practitioner(
            w.deps,
            panel_id=w.panel.id,
            actor=MANAGER,  # the Health practitioner's manager may name
            case_id="case-1",
            practitioner=member_id("Police"),
        )
    await leads.name_lead_practitioner(
        w.deps, panel_id=w.panel.id, actor=MANAGER, case_id="case-1", practitioner=PRACTITIONER
    )


async def test_the_lead_role_is_handed_over_with_a_reason_and_both_sides_hear_it() -> None:
    """Barnet 001 §17.4: schools take the lead when issues are mainly school-based."""
    w = with_schools_practitioner(tracked_world(BARNET, date(2027, 1, 4), "eha"))
    await leads.name_lead_practitioner(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id="case-1", practitioner=PRACTITIONER
    )
    with pytest.raises(InvalidInput, match="Say why the lead role moves"):
        await leads.hand_over_lead(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            practitioner=SCHOOLS_PRACTITIONER,
            reason="",
        )
    case = (
        await leads.hand_over_lead(
            w.deps,
            panel_id=w.panel.id,
            actor=PRACTITIONER,
            case_id="case-1",
            practitioner=SCHOOLS_PRACTITIONER,
            reason="The worries are now mainly about school attendance.",
        )
    ).case
    assert case.lead is not None
    assert case.lead.agency == "Education"
    assert [h.reason for h in case.lead.history] == [
        "",
        "The worries are now mainly about school attendance.",
    ]
    assert case.lead_agency(BARNET) == "Education"  # the lead agency moved with the role
    [told] = [m for m in w.notifier.to(CHAIR) if m.kind is Kind.LEAD]
    assert isinstance(told.body, LeadNotice)
    assert told.text == (
        "The lead role for case EHM-9 moved from Health practitioner (Health) to Sam Schools "
        "(Education) on Monday 4 January 2027."
    )
    assert [m for m in w.notifier.to(SCHOOLS_PRACTITIONER) if m.kind is Kind.ALLOCATION]
    assert not [m for m in w.notifier.to(PRACTITIONER) if m.kind is Kind.LEAD]  # pressed it

    w.clock.set(london(2027, 1, 6, 8))
    await run_follow_up(w.deps, w.panel.id)
    assert "Case EHM-9: Contact the family is due today." in nudges(w, SCHOOLS_PRACTITIONER)
    assert "Case EHM-9: Contact the family is due today." not in nudges(w, PRACTITIONER)


async def test_naming_a_practitioner_over_their_caseload_warns_the_namer_and_the_manager() -> None:
    """Barnet 001 §25.2: «a maximum of LP role for 15 families», pro rata: a practitioner at
    20% of full time leads 3; naming them for a 4th is allowed, and said."""
    w = tracked_world(BARNET, date(2027, 1, 4), "eha")
    practitioner = w.panel.find(PRACTITIONER)
    assert practitioner is not None
    part_time = replace(practitioner, caseload="lead-professional", caseload_percent=20)
    w.panel = replace(
        w.panel,
        members=tuple(part_time if m.person_id == PRACTITIONER else m for m in w.panel.members),
    )
    for n in (2, 3, 4):
        other = replace(w.store.cases["case-1"], id=f"case-{n}", reference=f"EHM-{n}")
        w.store.cases[other.id] = other
    for n in (1, 2, 3):
        named = await leads.name_lead_practitioner(
            w.deps, panel_id=w.panel.id, actor=CHAIR, case_id=f"case-{n}", practitioner=PRACTITIONER
        )
        assert not named.over
    fourth = await leads.name_lead_practitioner(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id="case-4", practitioner=PRACTITIONER
    )

    assert (fourth.caseload, fourth.limit) == (4, 3)
    warning = (
        "Health practitioner now leads 4 families on this panel, over their limit of 3: agree "
        "with their manager how it is managed."
    )
    assert fourth.warning() == warning
    for told in (CHAIR, MANAGER):
        assert [m.text for m in w.notifier.to(told) if m.kind is Kind.LEAD] == [warning]


async def test_a_manager_sees_their_agencys_caseloads_and_the_chair_everyones() -> None:
    w = with_schools_practitioner(tracked_world(BARNET, date(2027, 1, 4), "eha"))
    await leads.name_lead_practitioner(
        w.deps, panel_id=w.panel.id, actor=CHAIR, case_id="case-1", practitioner=PRACTITIONER
    )

    mine = await leads.caseloads(w.deps, actor=MANAGER, panel_ids=[w.panel.id])
    everyone = await leads.caseloads(w.deps, actor=CHAIR, panel_ids=[w.panel.id])

    assert [(line.name, line.families) for line in mine] == [("Health practitioner", 1)]
    assert ("Health practitioner", 1) in [(line.name, line.families) for line in everyone]
    with pytest.raises(NotPermitted, match="Only managers, the chair and business support"):
        await leads.caseloads(w.deps, actor=member_id("Police"), panel_ids=[w.panel.id])
