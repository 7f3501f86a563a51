from __future__ import annotations

import dataclasses
import re
from datetime import date, time
from pathlib import Path

import pytest

from adapters.policy_file import PolicyFileError, load_policy, parse_policy
from panel.calendar import Period, Unit
from panel.errors import InvalidInput
from panel.policy import Moment, Policy, Section, with_overrides
from panel.presets import BARNET, PRESETS

SEEDS = Path(__file__).parents[1] / "seeds"
QUOTE = re.compile(r"«([^»]+)»")
SEED_ID = re.compile(r"\b(00[0-4])\b")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _seed_text() -> dict[str, str]:
    return {p.name[:3]: _normalise(p.read_text(encoding="utf-8")) for p in SEEDS.glob("0*.txt")}


def test_the_four_seed_authorities_have_presets() -> None:
    assert set(PRESETS) == {"barnet", "camden", "st-helens", "leicester"}


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_quoted_source_appears_word_for_word_in_its_seed(key: str) -> None:
    seeds = _seed_text()
    assert len(seeds) == 5
    for setting, source in PRESETS[key].sources.items():
        quotes = list(QUOTE.finditer(source))
        assert quotes or source.startswith("DEFAULT"), f"{key}.{setting} cites no words"
        for quote in quotes:
            # The quote belongs to the last seed file named before it ("001 §6.1: «...»").
            named = SEED_ID.findall(source[: quote.start()])
            where = [seeds[named[-1]]] if named else list(seeds.values())
            words = _normalise(quote.group(1))
            assert any(words in text for text in where), f"{key}.{setting}: {words}"


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_the_defining_settings_of_each_preset_say_where_they_come_from(key: str) -> None:
    policy = PRESETS[key]
    cited = {name.split(".")[0] for name in policy.sources}
    defining = (
        "cadence",
        "consent_required_for",
        "safeguarding_message",
        "outcomes",
        # Issue 15: these had neither a source nor a DEFAULT in some presets.
        "quorum_minimum",
        "escalation_route",
        "confidentiality_statement",
        "reminders",
    )
    for setting in defining:
        assert setting in cited, f"{key} does not cite {setting}"
    for rule in policy.milestones:
        assert f"milestones.{rule.code}" in policy.sources


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_no_setting_of_a_preset_goes_without_a_source(key: str) -> None:
    """Issue 15: every setting quotes its seed clause, or says DEFAULT and why."""
    policy = PRESETS[key]
    cited = {name.split(".")[0] for name in policy.sources}
    settings = {f.name for f in dataclasses.fields(Policy)} - {"key", "name", "sources"}
    assert sorted(settings - cited) == []
    for option in policy.outcomes:
        assert f"outcomes.{option.code}" in policy.sources, option.code
    for setting, source in policy.sources.items():
        if source.startswith("DEFAULT"):
            assert len(source.removeprefix("DEFAULT:").split()) >= 3, f"{setting}: say why"


def test_barnet_numbers_come_from_its_protocol() -> None:
    assert BARNET.max_cases_per_locality == 5
    assert BARNET.breaks[0].at == time(11, 0)
    assert BARNET.breaks[0].minutes == 15
    assert BARNET.cutoff == Moment(4, time(12, 0))
    assert BARNET.milestone("contact").within == Period(2, Unit.WORKING_DAYS)
    assert BARNET.milestone("assessment").within == Period(6, Unit.WEEKS)


def test_camden_needs_consent_only_for_step_downs() -> None:
    camden = PRESETS["camden"]
    assert camden.needs_consent(Section.STEP_DOWN)
    assert not camden.needs_consent(Section.NEW_REFERRAL)


def test_overrides_change_only_what_they_name() -> None:
    changed = with_overrides(
        BARNET,
        {
            "max_cases_per_locality": 4,
            "cutoff": {"working_days_before": 5, "at": "11:30"},
            "circulation": {"working_days_before": 5, "at": "13:00"},
            "localities": ["North", "South"],
            "consent_required_for": ["step-down"],
            "chair_casting_vote": False,
        },
    )
    assert changed.max_cases_per_locality == 4
    assert changed.cutoff == Moment(5, time(11, 30))
    assert changed.localities == ("North", "South")
    assert changed.consent_required_for == frozenset({Section.STEP_DOWN})
    assert not changed.chair_casting_vote
    assert changed.milestones == BARNET.milestones


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_cases": 4}, "Unknown policy setting 'max_cases'"),
        ({"max_cases_per_locality": "five"}, "whole number"),
        ({"max_cases_per_locality": 0}, "at least 1"),
        ({"chair_casting_vote": "yes"}, "true or false"),
        ({"meeting_time": 930}, "time"),
        ({"cadence": "daily"}, "cadence"),
        ({"quorum_minimum": 9}, "more key members"),
        ({"circulation": {"working_days_before": 5, "at": "12:00"}}, "before the cut-off"),
    ],
)
def test_bad_overrides_are_refused_with_the_setting_named(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        with_overrides(BARNET, overrides)


def test_a_policy_file_names_a_preset_overrides_and_closures(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    path.write_text(
        "preset: camden\n"
        "overrides:\n"
        "  max_cases_per_locality: 6\n"
        '  meeting_time: "09:30"\n'
        "closures: [2026-12-24]\n",
        encoding="utf-8",
    )
    loaded = load_policy(path)
    assert loaded.policy.key == "camden"
    assert loaded.policy.max_cases_per_locality == 6
    assert loaded.policy.meeting_time == time(9, 30)
    assert loaded.closures == frozenset({date(2026, 12, 24)})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("preset: [", "not valid YAML"),
        ("preset: hackney\n", "must be one of"),
        ("- barnet\n", "expected a mapping"),
        ("preset: barnet\nextra: 1\n", "unknown key"),
        ("preset: barnet\noverrides: {weekday: 9}\n", "weekday"),
        ("preset: barnet\nclosures: [tomorrow]\n", "list of dates"),
    ],
)
def test_a_bad_policy_file_gets_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyFileError, match=message):
        load_policy(path)


def test_a_missing_policy_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="cannot be read"):
        load_policy(tmp_path / "absent.yaml")


def test_presets_are_valid_policies() -> None:
    for policy in PRESETS.values():
        assert isinstance(policy, Policy)
        assert parse_policy({"preset": policy.key}).policy == policy
