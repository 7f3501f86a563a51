from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from panel.calendar import WorkingCalendar
from panel.errors import InvalidInput
from panel.infochecks import Cell, InfoCheck, Known, ReadinessGrid
from panel.outcomes import Action, Decision, check_decision, plan_milestones
from panel.policy import QuorumBasis
from panel.presets import BARNET, CAMDEN, LEICESTER
from panel.quorum import Attendance, Presence, quorum

NOW = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)


def present(
    agency: str, presence: Presence = Presence.PRESENT, accepted: bool = True
) -> Attendance:
    return Attendance(f"p-{agency}", agency, presence, accepted)


def test_camden_is_quorate_with_3_of_its_5_key_members_and_not_with_others() -> None:
    keys = sorted(CAMDEN.key_agencies)
    two_keys_and_others = [present(keys[0]), present(keys[1]), present("Housing"), present("CAMHS")]
    assert not quorum(CAMDEN, two_keys_and_others).quorate
    assert quorum(CAMDEN, [*two_keys_and_others, present(keys[2])]).quorate


def test_apologies_and_unaccepted_statements_do_not_count_towards_quorum() -> None:
    keys = sorted(CAMDEN.key_agencies)
    status = quorum(
        CAMDEN,
        [present(keys[0]), present(keys[1], Presence.APOLOGIES), present(keys[2], accepted=False)],
    )
    assert status.present == 1
    assert keys[1] in status.missing_key_agencies


def test_a_deputy_counts_for_their_agency() -> None:
    keys = sorted(CAMDEN.key_agencies)
    status = quorum(CAMDEN, [present(k, Presence.DEPUTY) for k in keys[:3]])
    assert status.quorate


def test_a_quorum_of_any_agencies_counts_every_agency_present() -> None:
    policy = dataclasses.replace(BARNET, quorum_basis=QuorumBasis.AGENCIES, quorum_minimum=4)
    status = quorum(policy, [present(a) for a in ("Housing", "Probation", "CAMHS", "Police")])
    assert status.quorate
    assert status.line() == "Quorate: 4 agencies present (4 needed)."


def answer(case_id: str, agency: str, known: Known, could_lead: bool = False) -> InfoCheck:
    return InfoCheck(case_id, agency, known, "", could_lead, "someone", NOW)


def test_the_readiness_grid_shows_each_answer_and_who_is_still_missing() -> None:
    grid = ReadinessGrid.build(
        ["c1", "c2"],
        ["Health", "Police"],
        [
            answer("c1", "Health", Known.KNOWN, could_lead=True),
            answer("c2", "Health", Known.CHECKING),
            answer("c1", "Police", Known.NOT_KNOWN),
            answer("elsewhere", "Police", Known.KNOWN),  # not on this agenda: ignored
        ],
        {"Health": 1},
    )
    assert grid.cells[("c1", "Health")] is Cell.KNOWN
    assert grid.cells[("c2", "Police")] is Cell.MISSING
    assert grid.missing_for("Police") == ("c2",)
    assert grid.agencies_missing() == ("Police",)
    assert grid.offers_to_lead == {"c1": ("Health",), "c2": ()}
    assert grid.answered_share() == 0.75
    assert not grid.complete


def test_an_outcome_that_closes_the_case_sets_no_follow_up_milestones() -> None:
    decision = Decision("c1", "step-up-mash", date(2027, 1, 12))
    assert plan_milestones(BARNET, WorkingCalendar(), decision) == ()


def test_leicester_resources_agreed_gets_a_plan_review_but_no_first_taf() -> None:
    decision = Decision("c1", "resources-agreed", date(2027, 1, 14), lead_agency="Health")
    codes = [m.code for m in plan_milestones(LEICESTER, WorkingCalendar(), decision)]
    assert codes == ["plan-review"]


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (Decision("c", "made-up", date(2027, 1, 12)), "not one of this panel's outcomes"),
        (Decision("c", "eha", date(2027, 1, 12)), "needs a lead agency"),
        (
            Decision(
                "c",
                "eha",
                date(2027, 1, 12),
                lead_agency="Health",
                taf_agencies=("Police", "Police"),
            ),
            "named twice",
        ),
        (
            Decision(
                "c",
                "eha",
                date(2027, 1, 12),
                lead_agency="Health",
                taf_agencies=("Police",),
                actions=(Action("Health", "Visit", date(2027, 1, 11)),),
            ),
            "before the panel's decision",
        ),
        (
            Decision(
                "c",
                "eha",
                date(2027, 1, 12),
                lead_agency="Health",
                taf_agencies=("Police",),
                rationale="x" * 2001,
            ),
            "at most 2000",
        ),
    ],
)
def test_a_decision_the_policy_does_not_allow_is_refused(decision: Decision, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_decision(decision, BARNET, frozenset({"Health", "Police"}))
