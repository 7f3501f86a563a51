"""The bot's handlers on in-memory fakes (botbuilder's TestAdapter, the panel's fake store):
identity from the activity only, privacy in shared conversations, card data checked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount
from msrest.universal_http.requests import ClientRetryPolicy

from adapters.in_memory import FakeClock, FakeNotifier, FakePanels, FakeStore, FakeUnitOfWork
from bot.actions import Tampered, parse_action
from bot.panel_bot import HELP_TEXT, NO_IDENTITY, NOT_ON_ROSTER, PRIVATE_ONLY, BotConfig, PanelBot
from bot.sdk_fixes import speed_up_retry_policy
from cards.verbs import Verb
from panel.presets import BARNET
from panel.usecases.common import Deps
from tests.panel.world import SUPPORT, TENANT, build_panel, london


class Seen:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def first_time(self, activity_id: str, now: datetime) -> bool:
        if activity_id in self.ids:
            return False
        self.ids.add(activity_id)
        return True


class References:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], dict[str, Any]] = {}

    async def save(self, tenant_id: str, person_id: str, reference: Any, now: datetime) -> None:
        self.saved[(tenant_id, person_id)] = dict(reference)

    async def get(self, tenant_id: str, person_id: str) -> dict[str, Any] | None:
        return self.saved.get((tenant_id, person_id))


class Harness:
    def __init__(self) -> None:
        self.panel = build_panel(BARNET)
        notifier = FakeNotifier()
        self.store = FakeStore(notifier=notifier)
        self.references = References()
        deps = Deps(
            FakePanels(self.panel),
            lambda: FakeUnitOfWork(self.store),
            FakeClock(london(2026, 12, 1, 14)),
        )
        self.bot = PanelBot(
            BotConfig(deps, (self.panel,), Seen(), self.references, frozenset({TENANT}))
        )
        self.adapter = TestAdapter()
        self.count = 0

    async def turn(
        self,
        person: str | None,
        *,
        text: str | None = None,
        value: Any = None,
        conversation_type: str = "personal",
        tenant: str = TENANT,
    ) -> list[Activity]:
        self.count += 1
        activity = Activity(
            type="invoke" if value is not None else "message",
            name="adaptiveCard/action" if value is not None else None,
            id=f"a-{self.count}",
            text=text,
            value=value,
            channel_id="msteams",
            service_url="https://smba.example/",
            from_property=ChannelAccount(id="29:x", aad_object_id=person),
            recipient=ChannelAccount(id="28:bot"),
            conversation=ConversationAccount(
                id=f"conv-{conversation_type}", conversation_type=conversation_type
            ),
            channel_data={"tenant": {"id": tenant}},
        )
        before = len(self.adapter.activity_buffer)
        await self.bot.on_turn(TurnContext(self.adapter, activity))
        return list(self.adapter.activity_buffer[before:])


def card_text(activity: Activity) -> str:
    if activity.type == "invokeResponse":
        return str(activity.value.body.value)
    return str(activity.attachments[0].content) if activity.attachments else activity.text


@pytest.fixture
def harness() -> Harness:
    return Harness()


async def test_help_is_answered_and_the_conversation_is_remembered(harness: Harness) -> None:
    replies = await harness.turn(SUPPORT, text="help")

    assert [r.text for r in replies] == [HELP_TEXT]
    assert (TENANT, SUPPORT) in harness.references.saved


async def test_someone_off_the_roster_is_told_so_and_nothing_is_read(harness: Harness) -> None:
    replies = await harness.turn("stranger", text="cases")

    assert replies[0].text == NOT_ON_ROSTER
    assert harness.store.audit == []


async def test_a_user_without_an_aad_object_id_gets_nothing_but_a_refusal(
    harness: Harness,
) -> None:
    replies = await harness.turn(None, text="cases")

    assert NO_IDENTITY in card_text(replies[0])


async def test_case_commands_in_a_group_chat_are_sent_to_the_one_to_one_chat(
    harness: Harness,
) -> None:
    replies = await harness.turn(SUPPORT, text="cases", conversation_type="groupChat")

    assert replies[0].text == PRIVATE_ONLY


async def test_an_activity_from_another_tenant_is_ignored(harness: Harness) -> None:
    replies = await harness.turn(SUPPORT, text="help", tenant="someone-else")

    assert replies == []
    assert harness.references.saved == {}


async def test_a_card_action_naming_a_panel_the_person_is_not_on_is_refused_and_audited(
    harness: Harness,
) -> None:
    value = {
        "action": {"type": "Action.Execute", "verb": Verb.CASE_LIST, "data": {"panel": "camden"}}
    }

    replies = await harness.turn(SUPPORT, value=value)

    assert "not on that panel's roster" in card_text(replies[0])


async def test_business_support_opens_the_new_case_form(harness: Harness) -> None:
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": Verb.CASE_NEW_FORM,
            "data": {"panel": "barnet"},
        }
    }

    replies = await harness.turn(SUPPORT, value=value)

    assert "List a family" in card_text(replies[0])


@pytest.mark.parametrize(
    "value",
    [
        None,
        "text",
        {"action": "x"},
        {"action": {"type": "Action.Submit", "verb": Verb.CASE_LIST}},
        {"action": {"verb": 5}},
        {"action": {"verb": Verb.CASE_LIST, "data": []}},
        {"action": {"verb": Verb.CASE_LIST, "data": {"panel": True}}},
        {"action": {"verb": Verb.CASE_LIST, "data": {"known.abc": "known"}}},
        {"action": {"verb": Verb.CASE_LIST, "data": {str(n): "x" for n in range(200)}}},
    ],
)
def test_card_data_our_cards_cannot_produce_is_tampered(value: object) -> None:
    with pytest.raises(Tampered):
        parse_action(value)


def test_a_real_info_check_action_parses_into_references_and_inputs() -> None:
    case = "0123456789abcdef0123456789abcdef"
    action = parse_action(
        {
            "action": {
                "type": "Action.Execute",
                "verb": Verb.INFOCHECK_RECORD,
                "data": {"meeting": "m1", "case": case, f"known.{case}": "known", "capacity": 3},
            }
        }
    )

    assert action.refs == {"meeting": "m1", "case": case}
    assert action.per_case(case) == {"known": "known"}
    assert action.inputs["capacity"] == "3"


def test_the_msrest_fix_keeps_exactly_the_same_retry_codes() -> None:
    safe = [i for i in range(500) if i != 408] + [501, 505]  # msrest 0.7.1's own definition
    expected = [i for i in range(999) if i not in safe]

    speed_up_retry_policy()
    speed_up_retry_policy()

    policy = ClientRetryPolicy()  # type: ignore[no-untyped-call]
    assert policy.policy.status_forcelist == expected
    assert 503 in expected
    assert 404 not in expected
