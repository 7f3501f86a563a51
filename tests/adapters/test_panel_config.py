from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.panel_config import (
    NoticeChannel,
    PanelConfig,
    PanelConfigError,
    load_panel_config,
    parse_panel_config,
)
from panel.policy import QuorumBasis
from panel.presets import BARNET
from panel.roster import Member, Panel, Role

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "config" / "demo.yaml"
PLAYGROUND = ROOT / ".m365agentsplayground.yml"
TENANT = "00000000-0000-0000-0000-0000000000001"
ALEX, MEGAN, ADELE, ISAIAH, PATTI, LYNNE = (
    f"00000000-0000-0000-0000-00000000000{n}" for n in range(20, 26)
)
GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"

# -- A small valid file that each refusal below breaks in one place ----------------------------

_VALID: dict[str, Any] = {
    "tenant": GUID,
    "agencies": [
        {"name": "Early Help", "key_member": True},
        {"name": "Health", "key_member": True},
        {"name": "Police", "key_member": True},
        {"name": "Housing"},
    ],
    "panels": [{"id": "north", "name": "North Panel", "policy": {"preset": "barnet"}}],
    "people": [
        {
            "name": "Sam Patel",
            "email": "sam@council.example",
            "aad_object_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
            "agency": "Early Help",
            "roles": {"north": ["business-support", "member"]},
        },
        {
            "name": "Jo Evans",
            "email": "jo@council.example",
            "aad_object_id": "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d",
            "roles": {"north": ["chair"]},
        },
        {
            "name": "Kim Lee",
            "email": "kim@police.example",
            "aad_object_id": "6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b",
            "agency": "Police",
            "roles": {"north": ["member"]},
        },
        {
            "name": "Chris Doe",
            "email": "chris@police.example",
            "aad_object_id": "16fd2706-8baf-433b-82eb-8c7fada847da",
            "deputy_of": "Kim Lee",
            "roles": {"north": ["member"]},
        },
    ],
}
SAM, JO, KIM, CHRIS = (p["aad_object_id"] for p in _VALID["people"])


def valid() -> dict[str, Any]:
    return copy.deepcopy(_VALID)


def refusal(document: object) -> str:
    with pytest.raises(PanelConfigError) as caught:
        parse_panel_config(document, where="x.yaml")
    return str(caught.value)


def the_panel(config: PanelConfig) -> Panel:
    (panel,) = config.panels
    return panel


def person(panel: Panel, person_id: str) -> Member:
    member = panel.find(person_id)
    assert member is not None
    return member


# -- The demo --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Panel:
    return the_panel(load_panel_config(DEMO))


def test_the_demo_has_one_barnet_panel_with_the_playgrounds_six_people(demo: Panel) -> None:
    assert demo.id == "demo"
    assert demo.name == "Demo Early Help Panel (Barnet rules)"
    assert demo.policy.key == "barnet"
    assert [m.name for m in demo.members] == [
        "Alex Wilber",
        "Megan Bowen",
        "Adele Vance",
        "Isaiah Langer",
        "Patti Fernandez",
        "Lynne Robbins",
    ]


@pytest.mark.parametrize(
    ("person_id", "roles", "speaks_for"),
    [
        (ALEX, {Role.BUSINESS_SUPPORT, Role.MEMBER}, "Early Help"),
        (MEGAN, {Role.CHAIR}, None),
        (ADELE, {Role.MEMBER}, "Health"),
        (ISAIAH, {Role.MEMBER}, "Schools"),
        (PATTI, {Role.MEMBER}, "Police"),
        (LYNNE, {Role.MEMBER}, "Police"),
    ],
)
def test_each_demo_person_has_their_roles_and_agency(
    demo: Panel, person_id: str, roles: set[Role], speaks_for: str | None
) -> None:
    member = person(demo, person_id)
    assert member.roles == roles
    assert demo.agency_of(member) == speaks_for


def test_lynne_speaks_for_police_as_pattis_deputy_with_no_agency_of_her_own(demo: Panel) -> None:
    lynne = person(demo, LYNNE)
    assert lynne.agency is None
    assert lynne.deputy_of == PATTI
    assert [m.name for m in demo.members_of("Police")] == ["Patti Fernandez", "Lynne Robbins"]


def test_the_demo_key_agencies_are_the_four_key_members_with_barnets_quorum_of_three(
    demo: Panel,
) -> None:
    assert demo.agencies == {"Early Help", "Health", "Schools", "Police", "Housing"}
    assert demo.policy.key_agencies == {"Early Help", "Health", "Schools", "Police"}
    assert demo.policy.quorum_basis is QuorumBasis.KEY_MEMBERS
    assert demo.policy.quorum_minimum == 3


def test_the_demo_keeps_barnets_localities(demo: Panel) -> None:
    assert demo.policy.localities == BARNET.localities == ("South", "West", "East/Central")


def test_the_demo_belongs_to_the_playground_tenant_and_posts_notices_to_announcements() -> None:
    config = load_panel_config(DEMO)
    assert the_panel(config).tenant_id == TENANT
    assert config.allowed_tenants == {TENANT}
    assert config.channels == {"demo": NoticeChannel("team-id", "channel-announcements-id")}


def test_the_playground_config_has_exactly_the_demos_people_and_ids(demo: Panel) -> None:
    playground = yaml.safe_load(PLAYGROUND.read_text(encoding="utf-8"))
    users = [playground["currentUser"], *playground["users"]]
    assert sorted((u["aadObjectId"], u["name"], u["email"]) for u in users) == sorted(
        (m.person_id, m.name, m.email) for m in demo.members
    )


def test_the_playground_starts_as_alex_in_the_demos_tenant_team_and_channel() -> None:
    playground = yaml.safe_load(PLAYGROUND.read_text(encoding="utf-8"))
    config = load_panel_config(DEMO)
    assert playground["version"] == "0.1.1"
    assert playground["currentUser"]["aadObjectId"] == ALEX
    assert playground["tenantId"] in config.allowed_tenants
    notices = config.channels["demo"]
    assert playground["team"]["id"] == notices.team_id
    assert [c["id"] for c in playground["team"]["channels"]] == [notices.channel_id]


# -- What a valid file builds ------------------------------------------------------------------


def test_a_valid_file_builds_each_panel_with_its_members_and_tenant() -> None:
    config = parse_panel_config(valid())
    panel = the_panel(config)
    assert [m.name for m in panel.members] == ["Sam Patel", "Jo Evans", "Kim Lee", "Chris Doe"]
    assert panel.tenant_id == GUID
    assert config.channels == {}
    assert config.allowed_tenants == {GUID}


def test_a_panel_without_an_agencies_list_has_every_agency() -> None:
    assert the_panel(parse_panel_config(valid())).agencies == {
        "Early Help",
        "Health",
        "Police",
        "Housing",
    }


def test_a_panels_key_agencies_are_its_agencies_marked_key_member() -> None:
    document = valid()
    document["panels"][0]["agencies"] = ["Early Help", "Health", "Police"]
    document["agencies"][1]["key_member"] = False
    document["panels"][0]["policy"]["overrides"] = {"quorum_minimum": 2}
    assert the_panel(parse_panel_config(document)).policy.key_agencies == {"Early Help", "Police"}


def test_a_key_agencies_override_wins_over_key_member() -> None:
    document = valid()
    document["panels"][0]["policy"]["overrides"] = {
        "key_agencies": ["Early Help", "Health", "Housing"]
    }
    policy = the_panel(parse_panel_config(document)).policy
    assert policy.key_agencies == {"Early Help", "Health", "Housing"}


def test_panel_localities_replace_the_policys() -> None:
    document = valid()
    document["panels"][0]["localities"] = ["North", "Coast"]
    assert the_panel(parse_panel_config(document)).policy.localities == ("North", "Coast")


def test_policy_overrides_and_closures_reach_the_panel() -> None:
    document = valid()
    document["panels"][0]["policy"] = {
        "preset": "camden",
        "overrides": {"max_cases_per_locality": 3},
        "closures": [date(2026, 12, 29)],
    }
    document["agencies"].append({"name": "Family Services", "key_member": True})
    document["agencies"].append({"name": "Youth", "key_member": True})
    panel = the_panel(parse_panel_config(document))
    assert panel.policy.key == "camden"
    assert panel.policy.max_cases_per_locality == 3
    assert not panel.calendar.is_working_day(date(2026, 12, 29))
    assert not panel.calendar.is_working_day(date(2026, 12, 28))  # a bank holiday


def test_a_panel_tenant_replaces_the_top_level_one_and_extra_tenants_are_allowed() -> None:
    document = valid()
    del document["tenant"]
    document["panels"][0]["tenant"] = "0C7E1F5A-3D4B-4C2E-9F10-5A6B7C8D9E0F"
    document["allowed_tenants"] = [GUID]
    config = parse_panel_config(document)
    assert the_panel(config).tenant_id == "0c7e1f5a-3d4b-4c2e-9f10-5a6b7c8d9e0f"
    assert config.allowed_tenants == {"0c7e1f5a-3d4b-4c2e-9f10-5a6b7c8d9e0f", GUID}


def test_a_panels_members_are_the_people_with_roles_for_it() -> None:
    document = valid()
    document["panels"].append(
        {"id": "south", "name": "South Panel", "policy": {"preset": "st-helens"}}
    )
    document["people"][1]["roles"]["south"] = ["chair"]
    north, south = parse_panel_config(document).panels
    assert len(north.members) == 4
    assert [(m.name, m.roles) for m in south.members] == [("Jo Evans", frozenset({Role.CHAIR}))]


def test_ids_are_kept_in_lower_case_and_people_are_named_by_id_or_name() -> None:
    document = valid()
    document["people"][2]["aad_object_id"] = KIM.upper()
    document["people"][3]["deputy_of"] = KIM.upper()
    document["people"].append(
        {
            "name": "Pat Green",
            "email": "pat@council.example",
            "aad_object_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
            "agency": "Early Help",
            "manager": "Sam Patel",
            "teams": False,
            "roles": {"north": ["practitioner"]},
        }
    )
    panel = the_panel(parse_panel_config(document))
    assert person(panel, KIM).person_id == KIM
    assert person(panel, CHRIS).deputy_of == KIM
    pat = person(panel, "7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert pat.manager_id == SAM
    assert pat.has_teams is False


# -- Refusals: each names the file and the path inside it ---------------------------------------


def test_an_unknown_role_is_refused_with_the_path_and_the_roles_there_are() -> None:
    document = valid()
    document["people"][3]["roles"]["north"] = ["chiar"]
    assert refusal(document) == (
        "x.yaml: people[3].roles.north: unknown role 'chiar' "
        "(one of: chair, business-support, member, practitioner, manager, admin)"
        "."
    )


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert refusal(["panels"]).startswith("x.yaml: expected a mapping with 'panels'")
    assert refusal(None).startswith("x.yaml: expected a mapping")


def test_an_empty_panels_list_is_refused() -> None:
    document = valid()
    document["panels"] = []
    assert refusal(document) == "x.yaml: panels: must not be empty."


def test_a_missing_panels_list_is_refused() -> None:
    document = valid()
    del document["panels"]
    assert refusal(document) == "x.yaml: panels: is required."


@pytest.mark.parametrize(
    ("where", "key", "path"),
    [
        ((), "panel", "panel"),
        (("agencies", 0), "key_members", "agencies[0].key_members"),
        (("panels", 0), "locality", "panels[0].locality"),
        (("people", 2), "deputy", "people[2].deputy"),
    ],
)
def test_an_unknown_key_anywhere_is_refused_with_its_path(
    where: tuple[str | int, ...], key: str, path: str
) -> None:
    document = valid()
    node: Any = document
    for step in where:
        node = node[step]
    node[key] = True
    assert refusal(document).startswith(f"x.yaml: {path}: unknown key (one of: ")


def test_an_unknown_key_in_notices_is_refused_with_its_path() -> None:
    document = valid()
    document["panels"][0]["notices"] = {"team": "team-id", "chanel": "c"}
    assert refusal(document).startswith("x.yaml: panels[0].notices.chanel: unknown key")


def test_notices_may_name_the_teams_group_for_graph() -> None:
    document = valid()
    document["panels"][0]["notices"] = {"team": "team-id", "channel": "c", "group": "g-1"}
    without = valid()
    without["panels"][0]["notices"] = {"team": "team-id", "channel": "c"}

    assert parse_panel_config(document, where="x.yaml").channels["north"].group_id == "g-1"
    assert parse_panel_config(without, where="x.yaml").channels["north"].group_id == ""


def test_notices_need_both_a_team_and_a_channel() -> None:
    document = valid()
    document["panels"][0]["notices"] = {"team": "team-id"}
    assert refusal(document) == "x.yaml: panels[0].notices.channel: is required."


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("panels", 0, "name"), 7, "panels[0].name: expected text, not int 7."),
        (("panels", 0, "name"), "  ", "panels[0].name: expected text, not '  '."),
        (("people", 0, "teams"), "no", "people[0].teams: expected true or false, not 'no'."),
        (("agencies", 3, "key_member"), 1, "agencies[3].key_member: expected true or false"),
        (("people",), {"name": "x"}, "people: expected a list, not a mapping."),
        (("panels", 0, "localities"), "North", "panels[0].localities: expected a list"),
        (("people", 1), "Jo Evans", "people[1]: expected a mapping with 'name', 'email'"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_its_path(
    where: tuple[str | int, ...], value: object, message: str
) -> None:
    document = valid()
    node: Any = document
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    assert refusal(document).startswith(f"x.yaml: {message}")


def test_a_panel_id_used_twice_is_refused() -> None:
    document = valid()
    document["panels"].append({"id": "north", "name": "Again", "policy": {"preset": "barnet"}})
    assert refusal(document) == "x.yaml: panels[1].id: the panel id 'north' is used twice."


@pytest.mark.parametrize("panel_id", ["North", "north panel", "", "n" * 41, "north_1"])
def test_a_panel_id_outside_lower_case_letters_digits_and_dashes_is_refused(
    panel_id: str,
) -> None:
    document = valid()
    document["panels"][0]["id"] = panel_id
    assert refusal(document).startswith("x.yaml: panels[0].id: ")


def test_an_aad_object_id_used_twice_is_refused_naming_both_people() -> None:
    document = valid()
    document["people"][3]["aad_object_id"] = KIM.upper()
    assert refusal(document) == (
        f"x.yaml: people[3].aad_object_id: {KIM} is also Kim Lee's (people[2])."
    )


def test_an_agency_listed_twice_is_refused_whatever_its_case() -> None:
    document = valid()
    document["agencies"].append({"name": "health"})
    assert refusal(document) == "x.yaml: agencies[4].name: the agency 'health' is listed twice."


def test_roles_for_an_unknown_panel_are_refused() -> None:
    document = valid()
    document["people"][1]["roles"] = {"nroth": ["chair"]}
    assert refusal(document) == "x.yaml: people[1].roles: unknown panel 'nroth' (one of: north)."


@pytest.mark.parametrize("roles", [{}, {"north": []}, ["chair"]])
def test_a_person_without_roles_is_refused(roles: object) -> None:
    document = valid()
    document["people"][1]["roles"] = roles
    assert refusal(document).startswith("x.yaml: people[1].roles")


def test_an_unknown_agency_for_a_person_is_refused() -> None:
    document = valid()
    document["people"][0]["agency"] = "Helth"
    assert refusal(document) == (
        "x.yaml: people[0].agency: unknown agency 'Helth' "
        "(one of: Early Help, Health, Police, Housing)."
    )


def test_an_unknown_agency_for_a_panel_is_refused() -> None:
    document = valid()
    document["panels"][0]["agencies"] = ["Early Help", "Schools"]
    assert refusal(document).startswith("x.yaml: panels[0].agencies[1]: unknown agency 'Schools'")


def test_a_panel_agencies_list_that_is_empty_is_refused() -> None:
    document = valid()
    document["panels"][0]["agencies"] = []
    assert refusal(document) == "x.yaml: panels[0].agencies: must not be empty."


def test_a_member_without_an_agency_is_refused_with_the_path() -> None:
    document = valid()
    del document["people"][2]["agency"]
    del document["people"][3]  # Kim's deputy would be refused first for want of an agency
    assert refusal(document).startswith(
        "x.yaml: people[2].roles.north: a member speaks for an agency"
    )


def test_a_member_whose_agency_is_not_on_the_panel_is_refused() -> None:
    document = valid()
    document["panels"][0]["agencies"] = ["Early Help", "Health", "Police"]
    document["people"][0]["agency"] = "Housing"
    assert refusal(document) == (
        "x.yaml: people[0].roles.north: this person speaks for 'Housing', which is not one of "
        "panel 'north''s agencies (one of: Early Help, Health, Police)."
    )


def test_an_unknown_deputy_of_is_refused() -> None:
    document = valid()
    document["people"][3]["deputy_of"] = "Kim Le"
    assert refusal(document) == (
        "x.yaml: people[3].deputy_of: no person has the name or aad_object_id 'Kim Le'."
    )


def test_a_person_cannot_deputise_for_themself() -> None:
    document = valid()
    document["people"][3]["deputy_of"] = CHRIS
    assert refusal(document) == "x.yaml: people[3].deputy_of: names this person themself."


def test_a_deputy_with_an_agency_of_their_own_is_refused() -> None:
    document = valid()
    document["people"][3]["agency"] = "Police"
    assert refusal(document).startswith("x.yaml: people[3].agency: a deputy speaks for")


def test_a_deputy_of_someone_without_an_agency_is_refused() -> None:
    document = valid()
    document["people"][3]["deputy_of"] = "Jo Evans"
    assert refusal(document) == (
        "x.yaml: people[3].deputy_of: Jo Evans (people[1]) has no agency to deputise for."
    )


def test_a_deputy_member_of_a_panel_their_principal_is_not_a_member_of_is_refused() -> None:
    document = valid()
    document["people"][2]["roles"] = {"north": ["practitioner"]}
    assert refusal(document) == (
        "x.yaml: people[3].deputy_of: Kim Lee is not a member of panel 'north', where this "
        "person is a member."
    )


def test_an_unknown_manager_or_oneself_as_manager_is_refused() -> None:
    document = valid()
    document["people"][0]["manager"] = "Nobody"
    assert refusal(document).startswith("x.yaml: people[0].manager: no person has the name")
    document["people"][0]["manager"] = "Sam Patel"
    assert refusal(document) == "x.yaml: people[0].manager: names this person themself."


def test_a_reference_to_a_name_two_people_share_is_refused() -> None:
    document = valid()
    document["people"][1]["name"] = "Kim Lee"
    assert refusal(document) == (
        "x.yaml: people[3].deputy_of: 2 people are called 'Kim Lee': use the aad_object_id."
    )


def test_empty_panel_localities_are_refused() -> None:
    document = valid()
    document["panels"][0]["localities"] = []
    assert refusal(document) == "x.yaml: panels[0].localities: must not be empty."


def test_a_locality_or_panel_agency_listed_twice_is_refused() -> None:
    document = valid()
    document["panels"][0]["localities"] = ["North", "South", "North"]
    assert refusal(document) == "x.yaml: panels[0].localities[2]: 'North' is listed twice."
    document = valid()
    document["panels"][0]["agencies"] = ["Health", "Health"]
    assert refusal(document) == "x.yaml: panels[0].agencies[1]: 'Health' is listed twice."


def test_localities_on_the_panel_and_in_the_overrides_are_refused() -> None:
    document = valid()
    document["panels"][0]["localities"] = ["North"]
    document["panels"][0]["policy"]["overrides"] = {"localities": ["South"]}
    assert refusal(document).startswith("x.yaml: panels[0].localities: set the localities here")


def test_a_policy_that_fails_is_refused_with_the_policy_path() -> None:
    document = valid()
    document["panels"][0]["policy"] = {"preset": "barnett"}
    assert refusal(document).startswith("x.yaml: panels[0].policy: 'preset' must be one of")
    document["panels"][0]["policy"] = {"preset": "barnet", "overrides": {"weekday": 9}}
    assert refusal(document).startswith("x.yaml: panels[0].policy: ")
    assert "weekday" in refusal(document)


def test_too_few_key_agencies_for_the_quorum_are_refused_naming_the_key_agencies() -> None:
    document = valid()
    document["agencies"][2]["key_member"] = False
    assert refusal(document) == (
        "x.yaml: panels[0].policy: the quorum needs 3 key agencies present, but only 2 of the "
        "panel's agencies are marked key_member (Early Help, Health): mark more, or lower "
        "overrides.quorum_minimum."
    )


def test_a_key_agencies_override_too_short_for_the_quorum_gets_the_policys_own_error() -> None:
    document = valid()
    document["panels"][0]["policy"]["overrides"] = {"key_agencies": ["Health"]}
    assert refusal(document) == (
        "x.yaml: panels[0].policy: Policy overrides are inconsistent: The quorum asks for more "
        "key members than the policy names."
    )


def test_other_policy_failures_say_nothing_of_key_agencies() -> None:
    document = valid()
    document["panels"][0]["policy"]["overrides"] = {"weekday": 9}
    document["agencies"][2]["key_member"] = False
    assert refusal(document).startswith("x.yaml: panels[0].policy: ")
    assert "weekday" in refusal(document)
    assert "key_member" not in refusal(document)


def test_a_key_agencies_override_naming_an_agency_not_on_the_panel_is_refused() -> None:
    document = valid()
    document["panels"][0]["policy"]["overrides"] = {"key_agencies": ["Early Help", "MASH"]}
    assert refusal(document).startswith(
        "x.yaml: panels[0].policy.overrides.key_agencies[1]: 'MASH' is not one of this panel's "
        "agencies"
    )


@pytest.mark.parametrize(
    ("where", "value", "path"),
    [
        (("tenant",), "contoso.onmicrosoft.com", "tenant"),
        (("allowed_tenants",), ["00000000-0000-0000-0000-00000000000001"], "allowed_tenants[0]"),
        (("panels", 0, "tenant"), "72f988bf86f141af91ab2d7cd011db47", "panels[0].tenant"),
        (("people", 1, "aad_object_id"), "jo@council.example", "people[1].aad_object_id"),
    ],
)
def test_an_id_that_is_not_guid_shaped_is_refused(
    where: tuple[str | int, ...], value: object, path: str
) -> None:
    document = valid()
    node: Any = document
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = value
    assert "is not an Entra ID (AAD) id" in refusal(document)
    assert refusal(document).startswith(f"x.yaml: {path}: ")


def test_the_playgrounds_thirteen_digit_ids_are_accepted() -> None:
    document = valid()
    document["tenant"] = TENANT
    document["people"][0]["aad_object_id"] = ALEX
    assert the_panel(parse_panel_config(document)).tenant_id == TENANT


def test_a_panel_with_no_tenant_anywhere_is_refused() -> None:
    document = valid()
    del document["tenant"]
    assert refusal(document).startswith("x.yaml: panels[0]: has no tenant")


def test_an_email_without_an_at_sign_is_refused() -> None:
    document = valid()
    document["people"][0]["email"] = "sam.council.example"
    assert refusal(document) == (
        "x.yaml: people[0].email: 'sam.council.example' is not an e-mail address."
    )


# -- Loading files -----------------------------------------------------------------------------


def test_a_file_names_itself_in_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "panels.yaml"
    document = valid()
    document["people"][0]["roles"] = {"north": ["chiar"]}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(PanelConfigError, match=rf"^{path}: people\[0\]\.roles\.north: unknown"):
        load_panel_config(path)


def test_yaml_dates_in_a_file_become_closures(tmp_path: Path) -> None:
    path = tmp_path / "panels.yaml"
    text = yaml.safe_dump(valid()).replace(
        "preset: barnet", "preset: barnet\n    closures: [2026-12-24]"
    )
    path.write_text(text, encoding="utf-8")
    assert not the_panel(load_panel_config(path)).calendar.is_working_day(date(2026, 12, 24))


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(PanelConfigError, match=r"absent\.yaml: cannot be read"):
        load_panel_config(tmp_path / "absent.yaml")


def test_a_file_that_is_not_yaml_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("panels: [\n", encoding="utf-8")
    with pytest.raises(PanelConfigError, match=r"bad\.yaml: is not valid YAML"):
        load_panel_config(path)


def test_a_key_given_twice_in_a_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text(
        "panels:\n"
        "  - id: north\n"
        "    name: North Panel\n"
        "    policy: {preset: barnet}\n"
        "    name: South Panel\n",
        encoding="utf-8",
    )
    with pytest.raises(PanelConfigError) as caught:
        load_panel_config(path)
    assert str(caught.value).startswith(f"{path}: is not valid YAML")
    assert f"found the key 'name' twice\n  in \"{path}\", line 5" in str(caught.value)


def test_a_file_that_is_not_utf8_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("panels: [{name: Bo\u00eb}]\n".encode("latin-1"))
    with pytest.raises(PanelConfigError) as caught:
        load_panel_config(path)
    assert str(caught.value) == f"{path}: is not UTF-8 text."


def test_the_example_in_the_documentation_is_valid() -> None:
    text = (ROOT / "docs" / "panel-config.md").read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_panel_config(yaml.safe_load(example))
    assert [len(p.members) for p in config.panels] == [6]


def test_a_practitioners_caseload_kind_and_share_are_read_and_checked() -> None:
    """Barnet 001 §25.2: «a maximum of LP role for 15 families»; pro rata by the share."""
    document = valid()
    document["people"][0] |= {"caseload": "lead-professional", "caseload_percent": 60}
    sam = the_panel(parse_panel_config(document, where="x.yaml")).find(SAM)
    assert sam is not None
    assert (sam.caseload, sam.caseload_percent) == ("lead-professional", 60)

    document["people"][0]["caseload"] = "social-worker"
    assert refusal(document) == (
        "x.yaml: people[0].caseload: 'social-worker' is not a caseload of panel 'north' "
        "(advanced-practitioner, lead-professional, supporting-families)."
    )
    document["people"][0] |= {"caseload": "lead-professional", "caseload_percent": 0}
    assert refusal(document) == (
        "x.yaml: people[0].caseload_percent: expected a whole number from 1 to 100, not 0."
    )


def test_a_manager_role_is_accepted() -> None:
    document = valid()
    document["people"][1]["roles"] = {"north": ["chair", "manager"]}
    jo = the_panel(parse_panel_config(document, where="x.yaml")).find(JO)
    assert jo is not None
    assert Role.MANAGER in jo.roles
