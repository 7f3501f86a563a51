"""The Teams bot: who is asking (from the authenticated activity only), which conversation it
is, and which use case answers. Case detail is shown only in 1:1 chats (PRODUCT.md §3.1).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
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
from bot.ports import References, SeenActivities, Undelivered
from bot.undelivered import HEADING, lines_for
from cards import follow_up, inputs, intake, panel_day, verbs, week
from cards.common import Card, action, message, with_notice, with_problem
from panel import panel_day as day
from panel import queries, services
from panel.errors import (
    ConsentMissing,
    DomainError,
    InvalidInput,
    NotPermitted,
    SafeguardingRedirect,
    summary,
)
from panel.infochecks import MAX_CAPACITY, Known
from panel.lifecycle import Event
from panel.outcomes import Milestone
from panel.ports import AuditEntry
from panel.quorum import Presence
from panel.roster import Panel
from panel.services import STAFF, Deps

log = logging.getLogger(__name__)

HELP_TEXT = (
    "I run the Early Help panel's week. In our 1:1 chat:\n"
    "- my tasks: what is waiting for you\n"
    "- new case: list a family for the next panel (business support, chair)\n"
    "- cases: the families waiting for panel, to screen, edit or withdraw\n"
    "- agenda: the next panel's agenda per locality\n"
    "- freeze now, circulate: freeze the agenda, send it to members 1:1\n"
    "- readiness, remind now: who has answered, and a nudge to who has not\n"
    "- start panel, panel: on panel day, start it (chair) and open the chair's console\n"
    "- undelivered: messages Teams would not take, and why (chair, business support)\n"
    "In a channel, group chat or meeting chat I only answer help, agenda and start panel, "
    "with numbers only."
)
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


def command_of(text: str | None) -> str:
    """The command a user typed: mentions dropped, whitespace collapsed, lower case."""
    return " ".join(_MENTION.sub(" ", text or "").split()).lower()


def tenant_of(activity: Activity) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else None
    if tenant and isinstance(tenant.get("id"), str):
        return str(tenant["id"]).lower()
    conversation = activity.conversation
    return str(getattr(conversation, "tenant_id", "") or "").lower() if conversation else ""


def _person_of(activity: Activity) -> str:
    return str(getattr(activity.from_property, "aad_object_id", None) or "").lower()


def is_personal(activity: Activity) -> bool:
    """Deny by default: only an activity that positively says so is a 1:1 chat (PRODUCT.md
    §3.11). One without a conversation type may be a channel's, so case detail stays out."""
    return getattr(activity.conversation, "conversation_type", None) == "personal"


def team_of(activity: Activity) -> str:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team")
    return str(team["id"]) if isinstance(team, dict) and isinstance(team.get("id"), str) else ""


@dataclass(frozen=True)
class BotConfig:
    deps: Deps
    panels: tuple[Panel, ...]
    seen: SeenActivities
    references: References
    allowed_tenants: frozenset[str]
    panels_of_team: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    undelivered: Undelivered | None = None


@dataclass(frozen=True)
class Asker:
    """The person behind an activity, as the authenticated activity and the roster say."""

    person_id: str
    tenant: str
    personal: bool
    panels: tuple[Panel, ...]

    def panel(self, panel_id: str | None = None) -> Panel:
        if panel_id is None:
            if len(self.panels) != 1:
                raise InvalidInput("Say which panel.")
            return self.panels[0]
        for panel in self.panels:
            if panel.id == panel_id:
                return panel
        raise NotPermitted("You are not on that panel's roster.")

    def is_staff(self, panel: Panel) -> bool:
        member = panel.find(self.person_id)
        return member is not None and bool(member.roles & set(STAFF))


Handler = Callable[[Asker, CardAction], Awaitable[Card]]


class PanelBot(ActivityHandler):  # type: ignore[misc]  # the Bot Framework SDK is untyped
    def __init__(self, config: BotConfig) -> None:
        super().__init__()
        self.config = config
        self.deps = config.deps
        self._handlers: dict[str, Handler] = {
            verbs.CASE_NEW_FORM: self._new_form,
            verbs.CASE_CREATE: self._create,
            verbs.CASE_EDIT_FORM: self._edit_form,
            verbs.CASE_UPDATE: self._update,
            verbs.CASE_WITHDRAW: self._withdraw,
            verbs.CASE_SCREEN: self._screen,
            verbs.CASES_LIST: self._cases,
            verbs.AGENDA_VIEW: self._agenda,
            verbs.AGENDA_FREEZE: self._freeze,
            verbs.AGENDA_CIRCULATE: self._circulate,
            verbs.READINESS_VIEW: self._readiness,
            verbs.REMIND_NOW: self._remind,
            verbs.PACK_OPEN: self._pack,
            verbs.INFO_CHECK_SAVE: self._save_info_check,
            verbs.CAPACITY_SAVE: self._save_capacity,
            verbs.TASKS_VIEW: self._tasks,
            verbs.PANEL_START: self._start,
            verbs.PANEL_CONSOLE: self._console,
            verbs.PANEL_SHARED: self._shared,
            verbs.PANEL_SIGN_IN: self._sign_in,
            verbs.PANEL_CLOSE: self._close_panel,
            verbs.CASE_OPEN: self._open_case,
            verbs.CASE_CONFLICT: self._conflict,
            verbs.AGENDA_ADD: self._add_item,
            verbs.VOTE_OPEN: self._call_vote,
            verbs.VOTE_CAST: self._cast,
            verbs.VOTE_CLOSE: self._close_vote,
            verbs.VOTE_CASTING: self._casting,
            verbs.OUTCOME_FORM: self._outcome_form,
            verbs.OUTCOME_RECORD: self._record_outcome,
            verbs.CASE_RECORDED: self._recorded,
            verbs.PANEL_AOB: self._aob,
            verbs.MILESTONE_DONE: self._milestone_done,
            verbs.MILESTONE_NOT_POSSIBLE: self._milestone_not_possible,
            verbs.CASE_STUCK: self._stuck,
        }
        # After a replayed or refused write, show the current state with the matching view.
        self._views: dict[str, str] = {
            verbs.CASE_CREATE: verbs.CASES_LIST,
            verbs.CASE_UPDATE: verbs.CASES_LIST,
            verbs.CASE_WITHDRAW: verbs.CASES_LIST,
            verbs.CASE_SCREEN: verbs.CASES_LIST,
            verbs.CASE_EDIT_FORM: verbs.CASES_LIST,
            verbs.AGENDA_FREEZE: verbs.AGENDA_VIEW,
            verbs.AGENDA_CIRCULATE: verbs.AGENDA_VIEW,
            verbs.REMIND_NOW: verbs.READINESS_VIEW,
            verbs.INFO_CHECK_SAVE: verbs.PACK_OPEN,
            verbs.CAPACITY_SAVE: verbs.PACK_OPEN,
            verbs.CASE_OPEN: verbs.PANEL_CONSOLE,
            verbs.AGENDA_ADD: verbs.PANEL_CONSOLE,
            verbs.VOTE_OPEN: verbs.PANEL_CONSOLE,
            verbs.VOTE_CLOSE: verbs.PANEL_CONSOLE,
            verbs.VOTE_CASTING: verbs.PANEL_CONSOLE,
            verbs.OUTCOME_FORM: verbs.PANEL_CONSOLE,
            verbs.OUTCOME_RECORD: verbs.PANEL_CONSOLE,
            verbs.PANEL_CLOSE: verbs.PANEL_CONSOLE,
            verbs.PANEL_AOB: verbs.PANEL_CONSOLE,
        }

    # -- The turn: tenant, identity, re-deliveries, conversation references ------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity: Activity = turn_context.activity
        tenant = tenant_of(activity)
        if tenant not in self.config.allowed_tenants:
            # The edge refuses these before any turn; this is the second lock on the door.
            log.warning("Ignored a %s activity from a tenant not allowed", activity.type)
            return
        # GUIDs ignore case; the configuration keeps them in lower case.
        person = (getattr(activity.from_property, "aad_object_id", None) or "").lower()
        if activity.type in (ActivityTypes.message, ActivityTypes.invoke) and not person:
            await self._reply(turn_context, message(NO_IDENTITY))
            return
        try:
            await self._remember(turn_context, tenant, person)
            first = await self._first_time(activity)
        except Exception as error:  # the database cannot be written: say so, do nothing
            log.error("Could not record a %s activity: %s", activity.type, summary(error))
            await self._reply(turn_context, message(UNAVAILABLE))
            return
        if not first:
            await self._replayed(turn_context, self._asker(activity, tenant, person))
            return
        await super().on_turn(turn_context)

    async def _first_time(self, activity: Activity) -> bool:
        """False for a Teams re-delivery (or a double submit with one id) of a message or an
        invoke already handled."""
        if activity.type not in (ActivityTypes.message, ActivityTypes.invoke) or not activity.id:
            return True
        key = f"{activity.conversation.id}|{activity.id}"[:200]
        return bool(await self.config.seen.first_time(key, self.deps.clock.now()))

    def _asker(self, activity: Activity, tenant: str, person: str) -> Asker:
        personal = is_personal(activity)
        panels = tuple(
            p for p in self.config.panels if p.tenant_id == tenant and p.find(person) is not None
        )
        return Asker(person, tenant, personal, panels)

    async def _remember(self, turn_context: TurnContext, tenant: str, person: str) -> None:
        """Keep where to reach this person (1:1) or this team, for proactive messages."""
        activity = turn_context.activity
        reference = TurnContext.get_conversation_reference(activity).serialize()
        now = self.deps.clock.now()
        # Only a conversation that says it is personal becomes the person's 1:1 chat: a
        # channel's reference stored here would send them their case packs in the channel.
        if is_personal(activity) and person:
            await self.config.references.save(tenant, person, reference, now)
        team = team_of(activity)
        if team:
            await self.config.references.save(tenant, team_key(team), reference, now)

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
        view = self._views.get(parsed.verb, parsed.verb)
        card = await self._run(asker, CardAction(view, parsed.refs, {}), notice=ALREADY_HANDLED)
        await self._invoke_reply(turn_context, card)

    # -- Messages ------------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        asker = self._asker(activity, tenant_of(activity), _person_of(activity))
        command = command_of(activity.text)
        if command in ("help", "?", ""):
            await self._reply(turn_context, HELP_TEXT)
            return
        if command == "agenda" and not asker.personal:
            await self._reply(turn_context, await self._shared_agenda(asker, activity))
            return
        if command in ("start panel", "panel") and not asker.personal:
            await self._reply(turn_context, await self._start_shared(asker, activity, command))
            return
        commands: dict[str, str] = {
            "my tasks": verbs.TASKS_VIEW,
            "tasks": verbs.TASKS_VIEW,
            "new case": verbs.CASE_NEW_FORM,
            "cases": verbs.CASES_LIST,
            "agenda": verbs.AGENDA_VIEW,
            "freeze now": verbs.AGENDA_FREEZE,
            "circulate": verbs.AGENDA_CIRCULATE,
            "readiness": verbs.READINESS_VIEW,
            "remind now": verbs.REMIND_NOW,
            "start panel": verbs.PANEL_START,
            "panel": verbs.PANEL_CONSOLE,
        }
        if command == "undelivered" and asker.personal:
            await self._reply(turn_context, await self._undelivered(asker))
            return
        verb = commands.get(command)
        if verb is None:
            await self._reply(turn_context, NOT_UNDERSTOOD_TEXT)
            return
        if not asker.personal:
            await self._reply(turn_context, PRIVATE_ONLY)
            return
        if not asker.panels:
            await self._reply(turn_context, NOT_ON_ROSTER)
            return
        if verb != verbs.TASKS_VIEW and len(asker.panels) > 1:
            await self._reply(turn_context, self._choose_panel(asker, verb))
            return
        refs = {} if verb == verbs.TASKS_VIEW else {"panel": asker.panels[0].id}
        await self._reply(turn_context, await self._run(asker, CardAction(verb, refs, {})))

    def _choose_panel(self, asker: Asker, verb: str) -> Card:
        return message(
            "You are on more than one panel. Which one?",
            actions=[action(p.name, verb, panel=p.id) for p in asker.panels],
        )

    def _panels_here(self, asker: Asker, activity: Activity) -> list[Panel]:
        """The asker's panels this shared conversation belongs to: a team's configured
        panels, or (a group chat, a meeting chat) all of theirs."""
        team_panels = self.config.panels_of_team.get(team_of(activity), ())
        return [p for p in asker.panels if not team_panels or p.id in team_panels]

    async def _shared_agenda(self, asker: Asker, activity: Activity) -> Card:
        """Numbers only: this conversation is seen by more than one person."""
        panels = self._panels_here(asker, activity)
        if not panels:
            return message(NOT_ON_ROSTER)
        try:
            counts = await queries.agenda_counts(self.deps, panels[0].id, asker.person_id)
        except DomainError as error:
            return message(error.message)
        return week.counts(counts)

    # -- Card actions ----------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        asker = self._asker(activity, tenant_of(activity), _person_of(activity))
        try:
            parsed = parse_action(activity.value)
        except Tampered as error:
            await self._audit_refusal(asker, "card.action", "Tampered")
            return self._invoke_response(message(error.message))
        if not asker.personal and parsed.verb not in verbs.SHARED:
            await self._audit_refusal(asker, parsed.verb, "NotPersonal")
            return self._invoke_response(message(PRIVATE_ONLY))
        return self._invoke_response(await self._run(asker, parsed))

    async def _run(self, asker: Asker, parsed: CardAction, *, notice: str = "") -> Card:
        """The verb's card; a refusal shows the current state with the reason on top."""
        handler = self._handlers[parsed.verb]
        try:
            card = await handler(asker, parsed)
        except Tampered as error:
            await self._audit_refusal(asker, parsed.verb, "Tampered", parsed.refs.get("panel", ""))
            return message(error.message)
        except DomainError as error:
            return await self._after_refusal(asker, parsed, error)
        except Exception as error:
            # Not a 501 and a traceback: the person hears it may not have worked (§3.9, §3.12).
            # The type and the verb only: the message of an exception may hold what was typed.
            log.error("A %s card action failed: %s", parsed.verb, summary(error))
            return message(NOT_DONE)
        return with_notice(card, notice) if notice else card

    async def _after_refusal(self, asker: Asker, parsed: CardAction, error: DomainError) -> Card:
        view = self._views.get(parsed.verb)
        if view is not None:
            try:
                # What was typed goes back with it, so nothing is lost (PRODUCT.md §3.9).
                card = await self._handlers[view](
                    asker, CardAction(view, parsed.refs, parsed.inputs)
                )
            except Exception:  # the view cannot be read either (the database is down, say)
                return message(error.message)
            return with_problem(card, error.message)
        return message(error.message)

    # Each handler: check the shape of what it needs, call one use case, render the answer.

    async def _new_form(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        if not asker.is_staff(panel):
            raise NotPermitted("Only the chair or business support can list a family.")
        return intake.case_form(panel.id, panel.name, panel.policy.localities)

    async def _create(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        try:
            referral = intake.referral_from_inputs(act.inputs)
            case_id = await services.refer_case(self.deps, panel.id, asker.person_id, referral)
        except DomainError as error:
            # Keep what was typed: the form comes back filled in, with the reason on top.
            if isinstance(error, NotPermitted):
                raise
            return intake.case_form(
                panel.id,
                panel.name,
                panel.policy.localities,
                values=act.inputs,
                problem=error.message,
            )
        lines = await queries.case_list(self.deps, panel.id, asker.person_id)
        reference = next((line.reference for line in lines if line.case_id == case_id), "")
        return intake.case_list(
            panel.id,
            panel.name,
            lines,
            notice=f"Recorded {reference}. Screen it to put it on the next panel's list.",
        )

    async def _edit_form(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        case = await queries.case_for_editing(self.deps, panel.id, asker.person_id, act.ref("case"))
        return intake.case_form(panel.id, panel.name, panel.policy.localities, case=case)

    async def _update(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        case_id = act.ref("case")
        try:
            referral = intake.referral_from_inputs(act.inputs)
            await services.edit_case(self.deps, panel.id, asker.person_id, case_id, referral)
        except (InvalidInput, SafeguardingRedirect, ConsentMissing) as error:
            case = await queries.case_for_editing(self.deps, panel.id, asker.person_id, case_id)
            return intake.case_form(
                panel.id,
                panel.name,
                panel.policy.localities,
                case=case,
                values=act.inputs,
                problem=error.message,
            )
        lines = await queries.case_list(self.deps, panel.id, asker.person_id)
        return intake.case_list(panel.id, panel.name, lines, notice="Changes saved.")

    async def _withdraw(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        reference = await services.withdraw_case(
            self.deps, panel.id, asker.person_id, act.ref("case"), "Withdrawn before panel."
        )
        lines = await queries.case_list(self.deps, panel.id, asker.person_id)
        return intake.case_list(
            panel.id,
            panel.name,
            lines,
            notice=f"Case withdrawn: {reference}. It is off every agenda and member's list, and "
            "messages about it not yet sent will not go.",
        )

    async def _screen(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        event = intake.SCREENING.get(act.ref("to"))
        if event is None:
            raise Tampered("The card asked for a screening decision we do not offer.")
        await services.screen_case(self.deps, panel.id, asker.person_id, act.ref("case"), event)
        lines = await queries.case_list(self.deps, panel.id, asker.person_id)
        done = {
            Event.LIST: "Listed for the next panel.",
            Event.ALLOCATE_DIRECTLY: "Allocated directly, without panel discussion.",
            Event.REDIRECT_TO_MASH: "Redirected to the MASH.",
        }[event]
        return intake.case_list(panel.id, panel.name, lines, notice=done)

    async def _cases(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        lines = await queries.case_list(self.deps, panel.id, asker.person_id)
        return intake.case_list(panel.id, panel.name, lines)

    async def _agenda(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        if not asker.is_staff(panel):
            return week.counts(await queries.agenda_counts(self.deps, panel.id, asker.person_id))
        return week.sitting(await queries.sitting(self.deps, panel.id, asker.person_id))

    async def _freeze(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        meeting = await services.freeze_agenda(self.deps, panel.id, actor=asker.person_id)
        view = await queries.sitting(self.deps, panel.id, asker.person_id)
        rolled = len(meeting.agenda.overflow) if meeting and meeting.agenda else 0
        return week.sitting(
            view,
            notice=f"Agenda frozen: {len(view.items)} case(s); {rolled} rolled over to the "
            "following panel (their referrers have been told).",
        )

    async def _circulate(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        meeting_id = act.refs.get("meeting") or await self._meeting_id(panel)
        sent = await services.circulate(self.deps, meeting_id, actor=asker.person_id)
        view = await queries.sitting(self.deps, panel.id, asker.person_id)
        return week.sitting(
            view,
            notice=f"Sent to {sent} member(s) 1:1; the channel has a notice with the numbers."
            if sent
            else "The list had already been circulated.",
        )

    async def _meeting_id(self, panel: Panel) -> str:
        meeting = await queries.current_meeting(self.deps, panel.id)
        if meeting is None:
            raise InvalidInput(
                "Freeze the agenda first: nothing has been frozen for the next panel."
            )
        return meeting.id

    async def _readiness(self, asker: Asker, act: CardAction, *, notice: str = "") -> Card:
        panel = asker.panel(act.ref("panel"))
        meeting_id = act.refs.get("meeting") or await self._meeting_id(panel)
        grid = await services.readiness(self.deps, meeting_id, asker.person_id)
        view = await queries.sitting(self.deps, panel.id, asker.person_id)
        references = {line.case_id: line.reference for line in view.items}
        return week.readiness(panel.id, meeting_id, grid, references, notice=notice)

    async def _remind(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        meeting_id = act.refs.get("meeting") or await self._meeting_id(panel)
        sent = await services.remind_now(self.deps, meeting_id, asker.person_id)
        return await self._readiness(
            asker,
            CardAction(verbs.READINESS_VIEW, {"panel": panel.id, "meeting": meeting_id}, {}),
            notice=f"Reminders sent: {sent}." if sent else "Nobody needed reminding just now.",
        )

    async def _pack(self, asker: Asker, act: CardAction, *, notice: str = "") -> Card:
        if "meeting" not in act.refs:
            meeting = None
            for panel in asker.panels:
                meeting = await queries.current_meeting(self.deps, panel.id)
                if meeting is not None:
                    break
            if meeting is None:
                raise InvalidInput("Nothing has been circulated for the next panel yet.")
            meeting_id = meeting.id
        else:
            meeting_id = act.ref("meeting")
        pack = await queries.member_pack(self.deps, meeting_id, asker.person_id)
        return week.circulation(pack, notice=notice, values=act.inputs)

    async def _save_info_check(self, asker: Asker, act: CardAction) -> Card:
        meeting_id, case_id = act.ref("meeting"), act.ref("case")
        answer = act.per_case(case_id)
        try:
            known = Known(answer.get("known", ""))
        except ValueError:
            raise InvalidInput("Say whether the family is known to your agency.") from None
        could_lead = answer.get("could_lead", "false")
        if could_lead not in ("true", "false"):
            raise Tampered("The card sent an answer our form does not offer.")
        information = inputs.text(answer, "information", 2000, "What you can share")
        await services.record_info_check(
            self.deps,
            meeting_id,
            asker.person_id,
            case_id,
            known,
            information,
            could_lead == "true",
        )
        return await self._pack(asker, act, notice="Answer saved.")

    async def _save_capacity(self, asker: Asker, act: CardAction) -> Card:
        value = inputs.whole_number(act.inputs, "capacity", "Capacity", low=0, high=MAX_CAPACITY)
        if value is None:
            raise InvalidInput(f"Give your capacity: a whole number from 0 to {MAX_CAPACITY}.")
        await services.record_capacity(self.deps, act.ref("meeting"), asker.person_id, value)
        return await self._pack(asker, act, notice="Capacity saved.")

    async def _tasks(self, asker: Asker, act: CardAction) -> Card:
        items = await queries.my_tasks(self.deps, asker.person_id, [p.id for p in asker.panels])
        return week.tasks(items)

    # Panel day. The chair acts from the console in their 1:1 chat; members sign in, see case
    # cards and vote 1:1; a shared conversation only ever sees the numbers-only agenda.

    async def _start_shared(self, asker: Asker, activity: Activity, command: str) -> Card:
        panels = self._panels_here(asker, activity)
        if not panels:
            return message(NOT_ON_ROSTER)
        try:
            if command == "start panel":
                await day.start(self.deps, panels[0].id, asker.person_id)
            return panel_day.shared(await day.shared_view(self.deps, panels[0].id, asker.person_id))
        except DomainError as error:
            return message(error.message)

    async def _meeting_of(self, asker: Asker, act: CardAction) -> str:
        if "meeting" in act.refs:
            return act.ref("meeting")
        panel = asker.panel(act.refs.get("panel"))
        return (await day.find_running(self.deps, panel.id)).id

    async def _start(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.refs.get("panel"))
        meeting = await day.start(self.deps, panel.id, asker.person_id)
        view = await day.chair_view(self.deps, meeting.id, asker.person_id)
        return panel_day.console(
            view, notice="The panel has started: members have been asked 1:1 to sign in."
        )

    async def _console(self, asker: Asker, act: CardAction, *, notice: str = "") -> Card:
        meeting_id = await self._meeting_of(asker, act)
        view = await day.chair_view(self.deps, meeting_id, asker.person_id)
        return panel_day.console(view, notice=notice, values=act.inputs)

    async def _shared(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        return panel_day.shared(await day.shared_view(self.deps, panel.id, asker.person_id))

    async def _sign_in(self, asker: Asker, act: CardAction) -> Card:
        meeting_id = act.ref("meeting")
        try:
            presence = Presence(act.inputs.get("presence", ""))
        except ValueError:
            raise Tampered("The card sent an attendance our form does not offer.") from None
        accepted = act.inputs.get("accept", "false")
        if accepted not in ("true", "false"):
            raise Tampered("The card sent an answer our form does not offer.")
        try:
            status = await services.sign_in(
                self.deps, meeting_id, asker.person_id, presence, accepted == "true"
            )
        except InvalidInput as error:
            form = await day.sign_in_form(self.deps, meeting_id, asker.person_id)
            return panel_day.sign_in(form, problem=error.message)
        form = await day.sign_in_form(self.deps, meeting_id, asker.person_id)
        return panel_day.signed_in(str(form["agency"]), presence, status.line())

    async def _open_case(self, asker: Asker, act: CardAction) -> Card:
        sent = await day.open_case(self.deps, act.ref("meeting"), asker.person_id, act.ref("case"))
        return await self._console(
            asker, act, notice=f"Case card sent 1:1 to {sent} member(s) present."
        )

    async def _conflict(self, asker: Asker, act: CardAction) -> Card:
        await services.declare_conflict(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("case")
        )
        return message(
            "Conflict recorded: your agency is excluded from this case's vote. Thank you."
        )

    async def _add_item(self, asker: Asker, act: CardAction) -> Card:
        number = await day.add_to_agenda(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("case")
        )
        return await self._console(asker, act, notice=f"Added as item {number}.")

    async def _call_vote(self, asker: Asker, act: CardAction) -> Card:
        vote = await services.open_vote(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("case")
        )
        return await self._console(
            asker,
            act,
            notice=f"Vote open between {', '.join(vote.candidates)}; "
            f"{len(vote.eligible)} agency(ies) may vote. Ballots have gone out 1:1.",
        )

    async def _cast(self, asker: Asker, act: CardAction) -> Card:
        choice = act.ref("choice")
        cast, _ = await services.cast_vote(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("round"), choice
        )
        if cast.duplicate:
            return message(f"Your agency's vote for {choice} stands; nothing has changed.")
        return message(
            f"Your vote for {choice} is recorded for {cast.agency}. "
            "The result is shown when the vote closes."
        )

    async def _close_vote(self, asker: Asker, act: CardAction) -> Card:
        result = await services.close_vote(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("round")
        )
        return await self._console(asker, act, notice=f"Vote closed. {result.summary()}")

    async def _casting(self, asker: Asker, act: CardAction) -> Card:
        result = await services.casting_vote(
            self.deps, act.ref("meeting"), asker.person_id, act.ref("round"), act.ref("choice")
        )
        return await self._console(asker, act, notice=result.summary())

    async def _item(self, asker: Asker, act: CardAction) -> tuple[day.ChairView, day.ItemView]:
        view = await day.chair_view(self.deps, act.ref("meeting"), asker.person_id)
        case_id = act.ref("case")
        item = next((i for i in view.items if i.case_id == case_id), None)
        if item is None:
            raise Tampered("That case is not on this panel's agenda.")
        return view, item

    async def _outcome_form(self, asker: Asker, act: CardAction) -> Card:
        view, item = await self._item(asker, act)
        return panel_day.outcome_form(view, item)

    async def _record_outcome(self, asker: Asker, act: CardAction) -> Card:
        view, item = await self._item(asker, act)
        try:
            decision = panel_day.decision_from_inputs(item.case_id, act.inputs, view.panel_date)
            await services.record_outcome(self.deps, view.meeting_id, asker.person_id, decision)
        except InvalidInput as error:
            return panel_day.outcome_form(view, item, values=act.inputs, problem=error.message)
        return await self._console(asker, act, notice=f"Outcome recorded for item {item.number}.")

    async def _close_panel(self, asker: Asker, act: CardAction) -> Card:
        minutes = await services.close_panel(self.deps, act.ref("meeting"), asker.person_id)
        return await self._console(
            asker,
            act,
            notice=f"Panel closed: {len(minutes.items)} decision(s); "
            f"{len(minutes.not_reached)} not reached (rolled to the next panel). "
            "The minutes have gone 1:1 to those who attended.",
        )

    async def _aob(self, asker: Asker, act: CardAction) -> Card:
        text = inputs.text(act.inputs, "aob_text", day.MAX_AOB_TEXT, "Any other business")
        count = await day.add_aob(self.deps, act.ref("meeting"), asker.person_id, text)
        return await self._console(asker, act, notice=f"Noted for the minutes ({count}).")

    # After the panel: the lead marks milestones, or sends a stuck case back to panel.

    async def _milestone_done(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        done_on = inputs.day(act.inputs, "done_on", "The date it was done")
        if done_on is None:
            raise InvalidInput("Give the date it was done.")
        plan = await services.mark_milestone(
            self.deps,
            panel.id,
            asker.person_id,
            act.ref("case"),
            act.ref("milestone"),
            done_on=done_on,
        )
        return self._plan(plan, f"Marked done on {done_on:%d %B %Y}.")

    async def _milestone_not_possible(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        plan = await services.mark_milestone(
            self.deps,
            panel.id,
            asker.person_id,
            act.ref("case"),
            act.ref("milestone"),
            not_possible=inputs.text(act.inputs, "reason", 500, "The reason"),
        )
        return self._plan(plan, "Recorded as not possible, with your reason.")

    @staticmethod
    def _plan(plan: tuple[Milestone, ...], notice: str) -> Card:
        rows = [
            (
                m.label,
                f"{m.due:%d %b %Y}",
                f"done {m.done_on:%d %b}"
                if m.done_on
                else ("not possible" if m.not_possible else "open"),
            )
            for m in plan
        ]
        return follow_up.milestones(rows, notice=notice)

    async def _stuck(self, asker: Asker, act: CardAction) -> Card:
        panel = asker.panel(act.ref("panel"))
        reason = inputs.text(act.inputs, "reason", 500, "The reason")
        await services.mark_stuck(self.deps, panel.id, asker.person_id, act.ref("case"), reason)
        return message("The case goes back to the next panel's agenda as a stuck case.")

    async def _recorded(self, asker: Asker, act: CardAction) -> Card:
        await day.mark_recorded(self.deps, act.ref("meeting"), asker.person_id, act.ref("case"))
        return message("Ticked: recorded on the case system.")

    async def _undelivered(self, asker: Asker) -> Card:
        """Business support's list of messages Teams would not take, with the reason, so they
        can reach those people another way (PRODUCT.md §3.10)."""
        staff_panels = [p for p in asker.panels if asker.is_staff(p)]
        if not staff_panels or self.config.undelivered is None:
            return message("Only the chair or business support can see undelivered messages.")
        lines = lines_for(await self.config.undelivered.failed(), staff_panels)
        if not lines:
            return message("Every message has been delivered.")
        return message(HEADING + "\n\n" + "\n\n".join(lines))

    # -- Teams meeting events: a bonus where they arrive; nothing depends on them ---------

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        tenant = tenant_of(activity)
        if activity.name == MEETING_START:
            asker = self._asker(activity, tenant, _person_of(activity))
            for panel in asker.panels:
                try:
                    view = await day.shared_view(self.deps, panel.id, asker.person_id)
                except DomainError:
                    continue
                await self._reply(turn_context, panel_day.shared(view))
        elif activity.name == PARTICIPANT_JOIN:
            value = activity.value if isinstance(activity.value, dict) else {}
            for entry in value.get("members") or []:
                user = entry.get("user") if isinstance(entry, dict) else None
                person = str((user or {}).get("aadObjectId") or "").lower()
                for panel in self._asker(activity, tenant, person).panels:
                    await day.prompt_sign_in(self.deps, panel.id, person)

    # -- Conversation updates ------------------------------------------------------------

    async def on_members_added_activity(
        self, members_added: list[Any], turn_context: TurnContext
    ) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if is_personal(activity) and any(m.id == bot_id for m in members_added):
            await self._reply(turn_context, "Hello. " + HELP_TEXT)

    # -- Plumbing ----------------------------------------------------------------------------

    async def _reply(self, turn_context: TurnContext, content: str | Card) -> None:
        if turn_context.activity.type == ActivityTypes.invoke:
            await self._invoke_reply(
                turn_context, message(content) if isinstance(content, str) else content
            )
            return
        if isinstance(content, str):
            await turn_context.send_activity(MessageFactory.text(content))
        else:
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(content))
            )

    async def _invoke_reply(self, turn_context: TurnContext, card: Card) -> None:
        response = self._invoke_response(card)
        await turn_context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=response)
        )

    @staticmethod
    def _invoke_response(card: Card) -> InvokeResponse:
        # Returned from on_invoke_activity; CloudAdapter serialises the body once (PRODUCT §5).
        return InvokeResponse(
            status=200,
            body=AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE, value=card),
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
