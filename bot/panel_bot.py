"""The Teams bot: the turn (re-deliveries, where to reach people), then the handler the verb or
the typed command names (`bot/handlers/`). Who is asking comes from the authenticated activity
only (`bot/identity.py`). Case detail is shown only in 1:1 chats (docs/safeguards.md §1).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from botbuilder.core import (
    ActivityHandler,
    CardFactory,
    InvokeResponse,
    MessageFactory,
    TurnContext,
)
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse

from bot.actions import CardAction, Tampered, parse_action
from bot.delivery import team_key
from bot.desk import DeliveryDesk
from bot.handlers import COMMANDS, HANDLERS, PERSONAL_TEXT, SHARED_TEXT, Services
from bot.identity import Asker, asker_of, is_personal
from bot.ports import References, SeenActivities, Undelivered
from bot.rendering import MAX_ACTIVITY_BYTES, size_of, too_large
from cards import console as console_cards
from cards.common import Card, action, message, with_notice, with_problem
from cards.verbs import SHARED, Verb
from panel.errors import DomainError, summary
from panel.ports import AuditEntry
from panel.roster import Panel
from panel.usecases import panel_day as day
from panel.usecases.common import Deps

log = logging.getLogger(__name__)

HELP_TEXT = (
    "I run the Early Help panel's week. In our 1:1 chat:\n"
    "- my tasks: what is waiting for you\n"
    "- new case: list a family for the next panel (business support, chair)\n"
    "- cases: the families waiting for panel, to screen, edit or withdraw\n"
    "- agenda: the next panel's agenda per locality\n"
    "- freeze now, circulate: freeze the agenda, send it to members 1:1\n"
    "- delivery: who has the case list, who is still waiting and why (business support)\n"
    "- readiness, remind now: who has answered, and a nudge to who has not\n"
    "- start panel, panel: on panel day, start it (chair) and open the chair's console\n"
    "- undelivered: every message not delivered yet, and why (chair, business support)\n"
    "- caseloads: who leads how many families, against their limits (managers, chair)\n"
    "- find EHM-1234: a case's state and history, by its reference (chair, business support)\n\n"
    "In a channel, group chat or meeting chat I only answer help, agenda and start panel, "
    "with numbers only."
)
MEMBER_HELP_TEXT = (
    "I run the Early Help panel's week. In our 1:1 chat:\n"
    "- my tasks: what is waiting for you, and by when\n"
    "- agenda: the next panel's date and how many cases it has\n\n"
    "When the case list is circulated it comes to you here: answer each case from it. On "
    "panel day your sign-in card, the case cards and ballots come here too."
)
SHARED_HELP_TEXT = (
    "Here I answer help, agenda and start panel (the chair), with numbers only: case detail "
    "is only ever sent in a 1:1 chat with me."
)
GREETINGS = frozenset({"hello", "hi", "hey", "hiya", "good morning", "good afternoon"})
HELLO = "Hello. I can reach you in this chat now: what the panel sends you comes here.\n\n"
NOT_UNDERSTOOD_TEXT = "I didn't understand that. Type help."
PRIVATE_ONLY = (
    "For the families' privacy I only do that in our 1:1 chat. Open a chat with me and send it "
    "there."
)
NO_IDENTITY = "I can only work with people signed in with an organisation (Entra ID) account."
NOT_ON_ROSTER = "You are not on any panel's roster here. Ask the panel's business support."
ALREADY_HANDLED = "That was already done; this is how things stand now."
UNAVAILABLE = (
    "Nothing was done: I cannot write to the panel's records just now. Please try again in a "
    "few minutes; if it goes on, tell business support."
)
NOT_DONE = (
    "Sorry, something went wrong on my side and that may not have been saved. Please look "
    "again in a minute (type help for the commands) before trying once more."
)
# In a channel Teams prefixes the text with the bot's @mention, e.g. "<at>Panel Bot</at> help".
_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
ADAPTIVE = "application/vnd.microsoft.card.adaptive"
MEETING_START = "application/vnd.microsoft.meetingStart"
PARTICIPANT_JOIN = "application/vnd.microsoft.meetingParticipantJoin"
READ_RECEIPT = "application/vnd.microsoft.readReceipt"


def fitting(card: Card) -> Card:
    """The card, or a plain message saying it is too large: Teams would refuse it (413) and
    the person would see nothing, or an error with no reason (bot/rendering.py)."""
    size = size_of(card)
    if size <= MAX_ACTIVITY_BYTES:
        return card
    log.error("A reply card is %d bytes: too large to send", size)
    return message(
        f"This is more than Teams can show in one card: {too_large(size)}. Nothing was lost; "
        "please tell business support which card it was, so it can be split."
    )


def _message_id(value: object) -> str:
    """A Teams message id as Teams gave it, or "" (none, or not one we would store)."""
    return value if isinstance(value, str) and 0 < len(value) <= 100 else ""


def command_of(text: str | None) -> str:
    """The command a user typed: mentions dropped, whitespace collapsed, lower case."""
    return " ".join(_MENTION.sub(" ", text or "").split()).lower()


def command_and_argument(text: str | None) -> tuple[str, str]:
    """The command typed, and what follows it as typed when the command takes an argument
    ("find EHM-1234" is "find" and "EHM-1234"); otherwise the whole command and ""."""
    command = command_of(text)
    word, _, _ = command.partition(" ")
    verb = COMMANDS.get(word)
    if command in COMMANDS or verb is None or not HANDLERS[verb].argument:
        return command, ""
    typed = " ".join(_MENTION.sub(" ", text or "").split())
    return word, typed[len(word) :].strip()


@dataclass(frozen=True)
class BotConfig:
    deps: Deps
    panels: tuple[Panel, ...]
    seen: SeenActivities
    references: References
    allowed_tenants: frozenset[str]
    panels_of_team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    undelivered: Undelivered | None = None
    desk: DeliveryDesk | None = None


def help_for(asker: Asker) -> str:
    """The commands this person can use here: staff see theirs, members theirs."""
    if not asker.personal:
        return SHARED_HELP_TEXT
    if any(asker.is_staff(panel) for panel in asker.panels):
        return HELP_TEXT
    return MEMBER_HELP_TEXT


class PanelBot(ActivityHandler):  # type: ignore[misc]  # the Bot Framework SDK is untyped
    def __init__(self, config: BotConfig) -> None:
        super().__init__()
        self.config = config
        self.deps = config.deps
        self.services = Services(config.deps, config.undelivered, config.desk)

    # -- The turn: tenant, identity, re-deliveries, conversation references ------------------

    def _asker(self, turn_context: TurnContext) -> Asker:
        return asker_of(turn_context).among(self.config.panels)

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity: Activity = turn_context.activity
        asker = self._asker(turn_context)
        if asker.tenant not in self.config.allowed_tenants:
            # The edge refuses these before any turn; this is the second lock on the door.
            log.warning("Ignored a %s activity from a tenant not allowed", activity.type)
            return
        if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and not asker.person_id:
            await self._reply(turn_context, message(NO_IDENTITY))
            return
        try:
            await self._remember(turn_context, asker)
            first = await self._first_time(activity)
        except Exception as error:  # the database cannot be written: say so, do nothing
            log.error("Could not record a %s activity: %s", activity.type, summary(error))
            await self._reply(turn_context, message(UNAVAILABLE))
            return
        if not first:
            await self._replayed(turn_context, asker)
            return
        await super().on_turn(turn_context)

    async def _first_time(self, activity: Activity) -> bool:
        """False for a Teams re-delivery (or a double submit with one id) of a message or an
        invoke already handled."""
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke) or not activity.id:
            return True
        key = f"{activity.conversation.id}|{activity.id}"[:200]
        return bool(await self.config.seen.first_time(key, self.deps.clock.now()))

    async def _remember(self, turn_context: TurnContext, asker: Asker) -> None:
        """Keep where to reach this person (1:1) or this team, for proactive messages."""
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        now = self.deps.clock.now()
        # Only a conversation that says it is personal becomes the person's 1:1 chat: a
        # channel's reference stored here would send them their case packs in the channel.
        if asker.personal and asker.person_id:
            await self.config.references.save(asker.tenant, asker.person_id, reference, now)
        if asker.team_id:
            await self.config.references.save(asker.tenant, team_key(asker.team_id), reference, now)

    async def _replayed(self, turn_context: TurnContext, asker: Asker) -> None:
        """Teams re-delivered an activity (or a card was double-submitted with one id)."""
        activity = turn_context.activity
        await self._audit_refusal(asker, "activity.replay", "Replayed")
        if activity.type != ActivityTypes.invoke:
            return
        try:
            parsed = parse_action(activity.value)
        except Tampered:
            await self._invoke_reply(turn_context, message(ALREADY_HANDLED))
            return
        view = HANDLERS[parsed.verb].view or parsed.verb
        shown = CardAction(view, parsed.refs, {}, _message_id(activity.reply_to_id))
        card = await self._run(asker, shown, notice=ALREADY_HANDLED)
        await self._invoke_reply(turn_context, card)

    # -- Messages ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        asker = self._asker(turn_context)
        command, argument = command_and_argument(turn_context.activity.text)
        if command in ("help", "?", ""):
            await self._reply(turn_context, help_for(asker))
        elif command in GREETINGS:
            reply = HELLO + "Type help for what I can do." if asker.personal else help_for(asker)
            await self._reply(turn_context, reply)
        elif not asker.personal and command in SHARED_TEXT:
            await self._reply(
                turn_context, await self._typed(asker, command, self._panels_here(asker))
            )
        elif asker.personal and command in PERSONAL_TEXT:
            await self._reply(turn_context, await self._typed(asker, command, asker.panels))
        elif command not in COMMANDS:
            await self._reply(turn_context, NOT_UNDERSTOOD_TEXT)
        elif not asker.personal:
            await self._reply(turn_context, PRIVATE_ONLY)
        elif not asker.panels:
            await self._reply(turn_context, NOT_ON_ROSTER)
        elif not HANDLERS[COMMANDS[command]].across_panels and len(asker.panels) > 1:
            await self._reply(turn_context, self._choose_panel(asker, COMMANDS[command]))
        else:
            verb = COMMANDS[command]
            registered = HANDLERS[verb]
            refs = {} if registered.across_panels else {"panel": asker.panels[0].id}
            # What followed the command, as typed (case kept), as the input it names.
            inputs = {registered.argument: argument} if registered.argument else {}
            sent = await self._reply(
                turn_context, await self._run(asker, CardAction(verb, refs, inputs))
            )
            after_sent = HANDLERS[verb].after_sent
            if after_sent is not None and sent:
                with contextlib.suppress(DomainError):  # the card said why; nothing to keep
                    await after_sent(self.services, asker, CardAction(verb, refs, {}, sent))

    async def _typed(self, asker: Asker, command: str, panels: tuple[Panel, ...]) -> Card:
        """A typed command with no card verb; a refusal is said in a plain message."""
        if not panels and not asker.personal:
            return message(NOT_ON_ROSTER)
        handler = (SHARED_TEXT if not asker.personal else PERSONAL_TEXT)[command]
        try:
            return await handler(self.services, asker, panels)
        except DomainError as error:
            return message(error.message)

    def _choose_panel(self, asker: Asker, verb: Verb) -> Card:
        return message(
            "You are on more than one panel. Which one?",
            actions=[action(p.name, verb, panel=p.id) for p in asker.panels],
        )

    def _panels_here(self, asker: Asker) -> tuple[Panel, ...]:
        """The asker's panels this shared conversation belongs to: a team's configured
        panels, or (a group chat, a meeting chat) all of theirs."""
        team_panels = self.config.panels_of_team.get(asker.team_id, ())
        return tuple(p for p in asker.panels if not team_panels or p.id in team_panels)

    # -- Card actions ----------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        asker = self._asker(turn_context)
        try:
            parsed = parse_action(activity.value)
        except Tampered as error:
            await self._audit_refusal(asker, "card.action", "Tampered")
            return self._invoke_response(message(error.message))
        if not asker.personal and parsed.verb not in SHARED:
            await self._audit_refusal(asker, parsed.verb, "NotPersonal")
            return self._invoke_response(message(PRIVATE_ONLY))
        parsed = replace(parsed, message_id=_message_id(activity.reply_to_id))
        return self._invoke_response(await self._run(asker, parsed))

    async def _run(self, asker: Asker, parsed: CardAction, *, notice: str = "") -> Card:
        """The verb's card; a refusal shows the current state with the reason on top."""
        handler = HANDLERS[parsed.verb].handler
        try:
            card = await handler(self.services, asker, parsed)
        except Tampered as error:
            await self._audit_refusal(asker, parsed.verb, "Tampered", parsed.refs.get("panel", ""))
            return message(error.message)
        except DomainError as error:
            return await self._after_refusal(asker, parsed, error)
        except Exception as error:
            # Not a 501 and a traceback: the person hears it may not have worked (§9, §12).
            # The type and the verb only: the message of an exception may hold what was typed.
            log.error("A %s card action failed: %s", parsed.verb, summary(error))
            return message(NOT_DONE)
        return with_notice(card, notice) if notice else card

    async def _after_refusal(self, asker: Asker, parsed: CardAction, error: DomainError) -> Card:
        view = HANDLERS[parsed.verb].view
        if view is None:
            return message(error.message)
        try:
            # What was typed goes back with it, so nothing is lost (docs/safeguards.md §9).
            card = await HANDLERS[view].handler(
                self.services,
                asker,
                CardAction(view, parsed.refs, parsed.inputs, parsed.message_id),
            )
        except Exception:  # the view cannot be read either (the database is down, say)
            return message(error.message)
        return with_problem(card, error.message)

    # -- Teams meeting events: a bonus where they arrive; nothing depends on them ---------

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        asker = self._asker(turn_context)
        if activity.name == MEETING_START:
            for panel in asker.panels:
                try:
                    view = await day.view_shared(
                        self.deps, panel_id=panel.id, actor=asker.person_id
                    )
                except DomainError:
                    continue
                await self._reply(turn_context, console_cards.shared(view))
        elif activity.name == READ_RECEIPT and self.config.desk and is_personal(activity):
            # Teams says the person has read their chat up to this message: what the bot sent
            # them up to it shows as read on business support's delivery desk.
            value = activity.value if isinstance(activity.value, dict) else {}
            last = str(value.get("lastReadMessageId") or "")
            if asker.person_id and last:
                await self.config.desk.read(asker.person_id, last, self.deps.clock.now())
        elif activity.name == PARTICIPANT_JOIN:
            value = activity.value if isinstance(activity.value, dict) else {}
            for entry in value.get("members") or []:
                user = entry.get("user") if isinstance(entry, dict) else None
                person = str((user or {}).get("aadObjectId") or "").lower()
                joined = Asker(person, asker.tenant, personal=False).among(self.config.panels)
                for panel in joined.panels:
                    await day.prompt_sign_in(self.deps, panel_id=panel.id, person_id=person)

    # -- Conversation updates ------------------------------------------------------------

    async def on_members_added_activity(
        self, members_added: list[Any], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if is_personal(activity) and any(m.id == bot_id for m in members_added):
            await self._reply(turn_context, HELLO + help_for(self._asker(turn_context)))

    # -- Plumbing ----------------------------------------------------------------------------

    async def _reply(self, turn_context: TurnContext, content: str | Card) -> str:
        """Answer the activity; the id Teams gave the message sent, if any."""
        if turn_context.activity.type == ActivityTypes.invoke:
            await self._invoke_reply(
                turn_context, message(content) if isinstance(content, str) else content
            )
            return ""
        if isinstance(content, str):
            response = await turn_context.send_activity(MessageFactory.text(content))
        else:
            response = await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(fitting(content)))
            )
        return _message_id(getattr(response, "id", None))

    async def _invoke_reply(self, turn_context: TurnContext, card: Card) -> None:
        response = self._invoke_response(card)
        await turn_context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=response)
        )

    @staticmethod
    def _invoke_response(card: Card) -> InvokeResponse:
        # Returned from on_invoke_activity; CloudAdapter serialises the body once.
        return InvokeResponse(
            status=200,
            body=AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE, value=fitting(card)),
        )

    async def _audit_refusal(
        self, asker: Asker, action_name: str, reason: str, panel_id: str = ""
    ) -> None:
        async with self.deps.uow() as uow:
            await uow.audit.add(
                AuditEntry(
                    self.deps.clock.now(),
                    asker.person_id,
                    asker.tenant,
                    panel_id,
                    None,
                    action_name,
                    False,
                    reason,
                )
            )
            await uow.commit()
