"""The referrer hears what became of their referral: in Teams when they are on the panel's
roster, through business support when they are not, and not at all when none was recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from panel.cases import Case, Referrer
from panel.messages import Kind
from panel.presets import PRESETS
from panel.usecases.referrers import tell_referrer
from tests.panel.world import LONDON, SUPPORT, build_panel, referral

PANEL = build_panel(PRESETS["barnet"])
NEWS = "is listed for the panel on Tuesday 8 December 2026."


def case(referrer: Referrer | None) -> Case:
    listed = Case.from_referral(
        "c" * 32,
        PANEL.id,
        referral("EHM-1", "South"),
        datetime(2026, 12, 1, tzinfo=LONDON),
        SUPPORT,
    )
    return replace(listed, referrer=referrer)


def test_a_referrer_on_the_roster_is_told_one_to_one_in_teams() -> None:
    member = next(m for m in PANEL.members if m.agency == "Housing")
    on_roster = replace(member, email="Housing.Rep@Example.org")
    panel = replace(PANEL, members=tuple(on_roster if m is member else m for m in PANEL.members))

    [told] = tell_referrer(
        panel, case(Referrer("Housing rep", "Housing", "housing.rep@example.org")), NEWS, "k"
    )

    assert (told.person_id, told.text) == (member.person_id, f"Your referral EHM-1 {NEWS}")
    assert told.body.KIND is Kind.REFERRER_NEWS


def test_business_support_pass_the_news_to_a_referrer_outside_teams() -> None:
    told = tell_referrer(PANEL, case(Referrer("Jo", "A School", "0161 000 0000")), NEWS, "k")

    assert [(m.person_id, m.key) for m in told] == [(SUPPORT, f"k:{SUPPORT}")]
    assert told[0].text == f"Please tell the referrer, Jo (A School, 0161 000 0000): EHM-1 {NEWS}"


def test_with_no_referrer_recorded_nobody_is_told_unless_asked_to_tell_whoever_listed_it() -> None:
    assert tell_referrer(PANEL, case(None), NEWS, "k") == []
    [told] = tell_referrer(PANEL, case(None), "has rolled over.", "k", or_whoever_listed_it=True)
    assert (told.person_id, told.text) == (SUPPORT, "Case EHM-1 has rolled over.")
