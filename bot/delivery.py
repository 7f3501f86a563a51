"""The delivery worker: claims due messages from the outbox, turns each into a Teams activity
and sends it proactively, then records the send or schedules a retry.

A person without a stored conversation is reached through the team roster: the bot looks the
person up in a panel's team by their AAD object id and creates the 1:1 conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.failures import Undeliverable, backoff, problem_of
from bot.graph import CannotTell, Receipts, marker_of
from bot.ports import Queue, Queued, References
from bot.rate_budget import RateBudget
from bot.rendering import (
    MAX_ACTIVITY_BYTES,
    activity_for,
    render,
    size_of,
    too_large,
    without_cases,
)
from panel.codec import Unreadable
from panel.errors import summary
from panel.messages import CHANNEL, PERSON, ConsoleUpdate, Stored, decode
from panel.ports import Clock
from panel.relevance import QueuedFor, Verdict

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
HEARTBEAT = timedelta(seconds=1)  # how often a worker says it is alive, at most
ALIVE = timedelta(seconds=10)  # a worker not heard from for this long no longer counts
BATCH = 20
IN_FLIGHT = 100  # messages claimed and not yet finished, across every conversation
# Conversations sent to at once. Enough that a few slow ones hold back nobody else; few enough
# that their database writes (before and after each send) do not queue behind one another.
SENDERS = 8
# Retryable failures are retried until the message is this old, however many attempts that
# takes: a burst of 429s with Retry-After: 1 used up 8 attempts in 7.5 s and lost a card. A
# message that stops making sense sooner is dropped by its reason (panel/relevance.py).
GIVE_UP_AFTER = timedelta(hours=24)
# ...and tried at least this often: after downtime a day-old message still gets its chances.
AT_LEAST = 5
# One send may take this long before its outcome counts as unknown (looked for, then retried):
# a ballot is useless a minute late, and msrest's own timeout is 100 s.
SEND_TIMEOUT = 10.0
# Before looking for a message whose send had an unknown outcome, give Teams this long to show
# it: Graph lists a chat's messages a moment after they are posted.
SETTLE = timedelta(seconds=30)


@dataclass(frozen=True)
class TeamsDirectory:
    """Where people and panels live in Teams, from the panel configuration."""

    tenant_of_person: Mapping[str, str] = field(default_factory=dict)
    tenant_of_panel: Mapping[str, str] = field(default_factory=dict)
    teams_of_person: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    channel_of_panel: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # team, channel


class NotSent(Exception):
    """This worker will not send it: it is stopping, or another worker took the message over.
    The request had not left."""


@dataclass
class Leaving:
    """When the request left (after its `begin` was committed); None if it never did."""

    at: datetime | None = None
    teams_id: str | None = None  # the id Teams gave the message: its read receipt names it


# Said to business support as it is: what the person (or they) can do about it.
NO_CHAT = "has not opened a chat with the bot yet, and is not in a team the bot is installed in"


def team_key(team_id: str) -> str:
    return f"team:{team_id}"


Acquire = Callable[[], Awaitable[None]]
StillDue = Callable[[str | None, QueuedFor], Awaitable[Verdict]]
"""Whether a queued message may still go to a person (None: the channel); panel.relevance."""


def personal_reference(stored: Mapping[str, Any]) -> bool:
    """A stored conversation reference that positively says it is a 1:1 chat."""
    conversation = stored.get("conversation")
    return isinstance(conversation, Mapping) and conversation.get("conversationType") == "personal"


class Deliverer:
    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        queue: Queue,
        references: References,
        directory: TeamsDirectory,
        clock: Clock,
        budget: RateBudget | None = None,
        lease: timedelta = LEASE,
        receipts: Receipts | None = None,
        settle: timedelta = SETTLE,
        still_due: StillDue | None = None,
    ) -> None:
        self._adapter, self._app_id, self._queue = adapter, app_id, queue
        self._references, self._directory, self._clock = references, directory, clock
        self._budget = budget or RateBudget()
        self._lease = lease
        self._receipts, self._settle = receipts, settle
        self._check = still_due
        self._last_heartbeat: datetime | None = None
        self.worker = f"bot-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        # One lane per conversation: its messages go in order, lanes go side by side, so one
        # slow conversation holds back only its own messages.
        self._lanes: dict[str, deque[Queued]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._stopping = False
        self._senders = asyncio.Semaphore(SENDERS)

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll: float = 1.0) -> None:
        """Deliver until cancelled; wakes at once when something is enqueued. Stopped, it
        hands back what it claimed and has not sent, so another worker need not wait for
        the lease to run out."""
        try:
            await self._loop(poll)
        finally:
            await self._stop()

    async def _stop(self) -> None:
        """Let the sends under way finish (cut short, their outcome would be unknown and
        they would go again, perhaps twice), start no more, and hand the rest back."""
        self._stopping = True
        if self._running:
            await asyncio.wait(list(self._running), timeout=SEND_TIMEOUT)
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self._queue.release(self.worker, self._clock.now())

    async def _loop(self, poll: float) -> None:
        while True:
            try:
                busy = await self.dispatch()
            except Exception as error:
                log.error("Delivery round failed; trying again shortly: %s", summary(error))
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll)
                self._wake.clear()

    async def dispatch(self) -> int:
        """Claim what is due now, as far as there is room, and start sending it without
        waiting for it; the number claimed."""
        now = self._clock.now()
        if self._last_heartbeat is None or now - self._last_heartbeat >= HEARTBEAT:
            self._budget.share(await self._queue.heartbeat(self.worker, now, ALIVE))
            self._last_heartbeat = now
        room = IN_FLIGHT - self._in_flight
        if room <= 0:
            return 0
        claimed: list[Queued] = await self._queue.claim(
            self.worker, now, min(BATCH, room), self._lease
        )
        for item in claimed:  # claimed oldest first, so each lane keeps its order
            self._in_flight += 1
            lane = self._lanes.get(item.recipient)
            if lane is not None:
                lane.append(item)
                continue
            self._lanes[item.recipient] = deque([item])
            task = asyncio.get_running_loop().create_task(self._drive(item.recipient))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        return len(claimed)

    async def _drive(self, recipient: str) -> None:
        lane = self._lanes[recipient]
        try:
            while lane and not self._stopping:
                item = lane[0]
                try:
                    async with self._senders:
                        if not self._stopping:
                            await self._deliver(item)
                except Exception as error:
                    # Left claimed: its lease runs out and it is tried again, as after a crash.
                    log.error("Delivering outbox message %s failed: %s", item.id, summary(error))
                finally:
                    lane.popleft()
                    self._in_flight -= 1
        finally:
            del self._lanes[recipient]
            self._in_flight -= len(lane)
            self.wake()  # room for more

    async def deliver_due(self) -> int:
        """Claim what is due now and send it all, conversations side by side; the number
        claimed. (Tests and simulations step the worker with this.)"""
        claimed = await self.dispatch()
        while self._running:
            await asyncio.gather(*list(self._running))
        return claimed

    async def _still_due(self, item: Queued, stored: Stored) -> Stored | None:
        """The message to send, without any case that has gone; None when the message's
        reason has gone, in which case it is recorded as cancelled (docs/safeguards.md §11)."""
        if item.queued_for is None or self._check is None:
            return stored
        try:
            queued_for = QueuedFor.from_json(item.queued_for)
        except ValueError:
            verdict = Verdict("what it depended on could not be read")
        else:
            person = (
                item.recipient.removeprefix(PERSON) if item.recipient.startswith(PERSON) else None
            )
            verdict = await self._check(person, queued_for)
        kept = without_cases(stored, verdict.drop_cases)
        if verdict.cancel or kept is None:
            reason = verdict.cancel or "every case it was about has gone"
            log.info("Outbox message %s (%s) dropped, not sent: %s", item.id, item.kind, reason)
            await self._queue.cancel(item.id, self.worker, self._clock.now(), reason)
            return None
        return kept

    async def _deliver(self, item: Queued) -> None:
        marker = marker_of(item.id)
        try:
            stored = decode(item.kind, item.payload)
        except Unreadable as error:
            # A bug or a corrupted row, never user input: the log names the field, not content.
            log.error("Cannot read a queued %s message: %s", item.kind, error)
            await self._failed(item, Undeliverable("the message cannot be rendered", retry=False))
            return
        kept = await self._still_due(item, stored)
        if kept is None:
            return
        try:
            card = render(kept)
        except Exception as error:  # a card that cannot be built must not stop its lane
            log.error("Cannot render a queued %s message: %s", item.kind, summary(error))
            await self._failed(item, Undeliverable("the message cannot be rendered", retry=False))
            return
        size = size_of(card)
        if size > MAX_ACTIVITY_BYTES:
            # Teams would refuse it (413) after a wait; said now, and why, to business support.
            log.error("A queued %s card is %d bytes: too large to send", item.kind, size)
            await self._failed(item, Undeliverable(too_large(size), retry=False))
            return
        activity = activity_for(card, kept.text, marker)
        if isinstance(kept.body, ConsoleUpdate):
            # The console already in the chat is replaced where it is: the same message again
            # is harmless, so there is nothing to look for after an unknown outcome.
            activity.id = kept.body.message_id
        since = item.unconfirmed_since
        if since is not None and not activity.id and await self._arrived(item, marker, since):
            await self._queue.mark_sent(item.id, self.worker, self._clock.now())
            return
        leaving = Leaving()
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                await self._send(item, activity, leaving)
        except NotSent:
            return  # stopping, or another worker holds it now: left as it was
        except Exception as error:
            await self._failed(item, problem_of(error, left=leaving.at is not None), leaving.at)
        else:
            await self._queue.mark_sent(item.id, self.worker, self._clock.now(), leaving.teams_id)

    async def _arrived(self, item: Queued, marker: str, since: datetime) -> bool:
        """Whether an earlier attempt whose outcome was unknown did reach the conversation.
        When that cannot be known the message is sent again: at least once, never lost."""
        if self._receipts is None:
            log.warning(
                "Outbox message %s may already have arrived; sending it again (no Graph "
                "credentials, so it cannot be looked for)",
                item.id,
            )
            return False
        tenant = self._tenant_of(item.recipient)
        try:
            found = await self._receipts.arrived(item.recipient, tenant, marker, since)
        except CannotTell as reason:
            log.warning(
                "Outbox message %s may already have arrived; sending it again (%s)", item.id, reason
            )
            return False
        log.info(
            "Outbox message %s: an earlier attempt %s",
            item.id,
            "arrived; recorded as sent" if found else "did not arrive; sending it",
        )
        return found

    def _tenant_of(self, recipient: str) -> str:
        kind, _, who = recipient.partition(":")
        if f"{kind}:" == PERSON:
            return self._directory.tenant_of_person.get(who, "")
        return self._directory.tenant_of_panel.get(who, "")

    async def _failed(
        self, item: Queued, problem: Undeliverable, started: datetime | None = None
    ) -> None:
        now = self._clock.now()
        after = problem.after
        if problem.unknown:
            after = max(after or backoff(item.attempts), self._settle)
        queued_at = item.queued_at or now
        retry_at = (
            now + (after if after is not None else backoff(item.attempts))
            if problem.retry and (now - queued_at < GIVE_UP_AFTER or item.attempts + 1 < AT_LEAST)
            else None
        )
        # Ids and the reason only: the payload may hold case data and the log must not.
        log.warning(
            "Could not deliver outbox message %s (%s) to %s: %s; %s",
            item.id,
            item.kind,
            item.recipient,
            problem.reason,
            f"retrying at {retry_at:%H:%M:%S}" if retry_at else "gave up",
        )
        # The first attempt that may have arrived: an earlier unknown one, else this one if its
        # outcome is unknown. A definite failure keeps the earlier one: it may still have come.
        unconfirmed = item.unconfirmed_since
        if unconfirmed is None and problem.unknown:
            unconfirmed = started or now
        await self._queue.mark_failed(
            item.id, self.worker, now, problem.reason, retry_at, unconfirmed_since=unconfirmed
        )

    async def _send(self, item: Queued, activity: Activity, leaving: Leaving) -> None:
        recipient = item.recipient
        tenant = self._tenant_of(recipient)

        async def acquire() -> None:
            # At the last moment before the request leaves: sends go side by side, and a token
            # taken earlier (before a database read, say) would let them reach Teams bunched
            # together, over its sliding-window limit.
            await self._budget.acquire(recipient, tenant)
            if self._stopping:
                raise NotSent  # the next worker sends it, within the limits
            # Committed before the request leaves, so if this worker dies mid-send, whoever
            # takes the message over looks for it in the conversation first.
            now = self._clock.now()
            if not await self._queue.begin(item.id, self.worker, now):
                raise NotSent  # another worker holds it now (our lease ran out)
            leaving.at = now

        if recipient.startswith(PERSON):
            leaving.teams_id = await self._send_to_person(
                recipient.removeprefix(PERSON), tenant, activity, acquire
            )
        elif recipient.startswith(CHANNEL):
            await self._send_to_channel(recipient.removeprefix(CHANNEL), tenant, activity, acquire)
        else:
            raise Undeliverable(f"unknown recipient kind {recipient.split(':')[0]!r}", retry=False)

    async def _send_to_channel(
        self, panel_id: str, tenant: str, activity: Activity, acquire: Acquire
    ) -> None:
        where = self._directory.channel_of_panel.get(panel_id)
        if where is None:
            raise Undeliverable("the panel has no notice channel configured", retry=False)
        team_id, channel_id = where
        stored = await self._references.get(tenant, team_key(team_id))
        if stored is None:
            raise Undeliverable(
                "the bot is not installed in the panel's team yet: ask the team's owner to add "
                "the Early Help Panel app to it",
                retry=True,
            )
        reference = ConversationReference().deserialize(stored)
        reference.conversation.id = channel_id
        reference.conversation.conversation_type = "channel"
        await self._continue(reference, activity, acquire)

    async def _send_to_person(
        self, person_id: str, tenant: str, activity: Activity, acquire: Acquire
    ) -> str | None:
        """Send into the person's 1:1 chat (opened from a team roster if need be); the id
        Teams gave the message."""
        stored = await self._references.get(tenant, person_id)
        if stored is not None and personal_reference(stored):
            return await self._continue(
                ConversationReference().deserialize(stored), activity, acquire
            )
        if stored is not None:
            # Never a 1:1 message into a conversation that does not say it is personal (it may
            # be a channel): the chat is opened afresh from the team roster instead.
            log.warning("The stored chat for a person is not personal; not sending there")
        for team_id in self._directory.teams_of_person.get(person_id, ()):
            team = await self._references.get(tenant, team_key(team_id))
            if team is not None:
                reference = ConversationReference().deserialize(team)
                return await self._create_and_send(
                    reference, team_id, tenant, person_id, activity, acquire
                )
        raise Undeliverable(
            NO_CHAT,
            retry=True,
            after=timedelta(minutes=10),
        )

    async def _continue(
        self, reference: ConversationReference, activity: Activity, acquire: Acquire
    ) -> str | None:
        sent: list[str | None] = [None]

        async def send(turn_context: TurnContext) -> None:
            await acquire()
            if activity.id:  # a message to replace in place (the chair's console)
                sent[0] = _id_of(await turn_context.update_activity(activity)) or activity.id
            else:
                sent[0] = _id_of(await turn_context.send_activity(activity))

        await self._proactive(reference, send)
        return sent[0]

    async def _proactive(
        self, reference: ConversationReference, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """Run `logic` in a proactive turn and let its failure reach us: the adapter would
        otherwise hand it to on_turn_error, which logs it and answers with an apology."""
        failures: list[Exception] = []

        async def guarded(turn_context: TurnContext) -> None:
            try:
                await logic(turn_context)
            except Exception as error:
                failures.append(error)

        await self._adapter.continue_conversation(reference, guarded, self._app_id)
        if failures:
            raise failures[0]

    async def _create_and_send(
        self,
        team: ConversationReference,
        team_id: str,
        tenant: str,
        person_id: str,
        activity: Activity,
        acquire: Acquire,
    ) -> str | None:
        """Open a 1:1 chat from the team roster (the member's Teams id comes from the roster,
        looked up by AAD object id), remember it, and send; the id Teams gave the message."""
        sent: list[str | None] = [None]

        async def in_team(team_context: TurnContext) -> None:
            member = await TeamsInfo.get_team_member(team_context, team_id, person_id)
            parameters = ConversationParameters(
                is_group=False,
                bot=team.bot,
                members=[ChannelAccount(id=member.id)],
                tenant_id=tenant,
                channel_data={"tenant": {"id": tenant}},
            )

            failures: list[Exception] = []

            async def in_chat(chat_context: TurnContext) -> None:
                try:
                    reference = TurnContext.get_conversation_reference(chat_context.activity)
                    reference.user = ChannelAccount(id=member.id, aad_object_id=person_id)
                    # We asked for a 1:1 chat (is_group=False); say so, for the check above.
                    reference.conversation.conversation_type = "personal"
                    await self._references.save(
                        tenant, person_id, reference.serialize(), self._clock.now()
                    )
                    await acquire()
                    sent[0] = _id_of(await chat_context.send_activity(activity))
                except Exception as error:  # reaches us, not on_turn_error (see _proactive)
                    failures.append(error)

            await team_context.adapter.create_conversation(
                self._app_id, in_chat, parameters, team.channel_id, team.service_url
            )
            if failures:
                raise failures[0]

        await self._proactive(team, in_team)
        return sent[0]


def _id_of(response: object) -> str | None:
    """The message id in Teams' answer to a send (a ResourceResponse), if it gave one."""
    value = getattr(response, "id", None)
    return value if isinstance(value, str) and value else None
