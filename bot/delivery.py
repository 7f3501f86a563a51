"""The delivery worker: claims due messages from the outbox, turns each into a Teams activity
and sends it proactively, then records the send or schedules a retry.

A person without a stored conversation is reached through the team roster: the bot looks the
person up in a panel's team by their AAD object id and creates the 1:1 conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)

from bot.graph import CannotTell, Receipts, marker_of
from bot.notifier import CHANNEL, PERSON
from bot.ports import Queue, Queued, References
from cards import follow_up, panel_day, verbs, week
from cards.common import Card, action, message
from panel.ports import Clock, Kind
from panel.queries import MemberPack
from panel.relevance import QueuedFor, Verdict

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
HEARTBEAT = timedelta(seconds=1)  # how often a worker says it is alive, at most
ALIVE = timedelta(seconds=10)  # a worker not heard from for this long no longer counts
BATCH = 20
MAX_ATTEMPTS = 8
RETRYABLE = frozenset({412, 429, 500, 502, 503, 504})
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


class TokenBucket:
    """`rate` sends a second, evenly spaced: Teams counts over sliding windows, so a burst at
    the start of one second and steady sends after it would exceed the limit."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate, self.tokens, self.at = rate, 1.0, now

    def wait(self, now: float) -> float:
        """Seconds until a token is free (0 if one is)."""
        self.tokens = min(1.0, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1 - 1e-9:
            return 0.0
        # At least a millisecond: float rounding (and clocks with microsecond steps) would
        # otherwise ask for waits too small to move time on, and the caller would spin.
        return max((1 - self.tokens) / self.rate, 0.001)

    def take(self) -> None:
        self.tokens -= 1


class RateBudget:
    """Teams' limits for a bot's proactive sends: 7 a second per conversation and 50 a second
    per tenant (PRODUCT.md §3.10). Keeping under them avoids the 429s instead of retrying them.

    Several instances divide the limits evenly (`share`): each worker counts the live workers
    through the database. Conversations are divided too, because two workers may each hold
    messages for one person. Any 429 still comes with a Retry-After, which the worker honours.
    """

    def __init__(
        self,
        per_conversation: float = 7.0,
        per_tenant: float = 50.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._rates = (per_conversation, per_tenant)
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.workers = 1

    def share(self, workers: int) -> None:
        """Take 1/`workers` of each limit (several instances are sending)."""
        workers = max(1, workers)
        if workers != self.workers:
            self.workers = workers
            for (kind, _), bucket in self._buckets.items():
                bucket.rate = self._rate(kind)

    def _rate(self, kind: str) -> float:
        return (self._rates[0] if kind == "conversation" else self._rates[1]) / self.workers

    def _bucket(self, kind: str, key: str) -> TokenBucket:
        rate = self._rate(kind)
        found = self._buckets.get((kind, key))
        if found is None:
            found = self._buckets[(kind, key)] = TokenBucket(rate, self._monotonic())
            if len(self._buckets) > 10_000:  # forget idle conversations' buckets
                self._buckets = {k: v for k, v in self._buckets.items() if v.tokens < 1.0}
                self._buckets[(kind, key)] = found
        return found

    async def acquire(self, conversation: str, tenant: str) -> None:
        buckets = (self._bucket("conversation", conversation), self._bucket("tenant", tenant))
        while True:
            now = self._monotonic()
            wait = max(b.wait(now) for b in buckets)
            if wait <= 0:
                for bucket in buckets:
                    bucket.take()
                return
            await self._sleep(wait)


class Undeliverable(Exception):
    """A send that cannot succeed now; `retry` says whether trying later might. `unknown`: the
    message may have arrived all the same (a 5xx, a dropped connection), so the next attempt
    looks for it first."""

    def __init__(
        self,
        reason: str,
        *,
        retry: bool,
        after: timedelta | None = None,
        unknown: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.after, self.unknown = reason, retry, after, unknown


def team_key(team_id: str) -> str:
    return f"team:{team_id}"


StillDue = Callable[[str | None, QueuedFor], Awaitable[Verdict]]
"""Whether a queued message may still go to a person (None: the channel); panel.relevance."""


def without_cases(payload: Mapping[str, Any], gone: frozenset[str]) -> Mapping[str, Any] | None:
    """The payload without the cases that have gone, from a message about several (the
    circulation pack lists its cases under data.cases, each with its case_id); None if none
    is left."""
    if not gone:
        return payload
    data = payload.get("data")
    cases = data.get("cases") if isinstance(data, Mapping) else None
    if not isinstance(data, Mapping) or not isinstance(cases, list):
        return None
    kept = [c for c in cases if not (isinstance(c, Mapping) and c.get("case_id") in gone)]
    return {**payload, "data": {**data, "cases": kept}} if kept else None


def personal_reference(stored: Mapping[str, Any]) -> bool:
    """A stored conversation reference that positively says it is a 1:1 chat."""
    conversation = stored.get("conversation")
    return isinstance(conversation, Mapping) and conversation.get("conversationType") == "personal"


def render(kind: str, payload: Mapping[str, Any]) -> Card:
    """The card for a queued message. Only 1:1 kinds may carry case data; channel notices are
    built from their counts and the use case's own sentence."""
    text = str(payload.get("text", ""))
    data: Mapping[str, Any] = payload.get("data") or {}
    if kind == Kind.CIRCULATION.value:
        return week.circulation(
            MemberPack(
                meeting_id=str(data["meeting_id"]),
                panel_name=str(data["panel_name"]),
                panel_date=date.fromisoformat(str(data["panel_date"])),
                deadline_at=datetime.fromisoformat(str(data["deadline_at"])),
                agency=str(data["agency"]),
                past_deadline=False,
                cases=tuple(data["cases"]),
                answers={},
                capacity=None,
            )
        )
    if kind == Kind.INFO_CHECK_REMINDER.value and "meeting_id" in data:
        return week.reminder(text, str(data["meeting_id"]))
    if "counts" in payload:
        return week.notice(text, {str(k): int(v) for k, v in payload["counts"].items()})
    if kind == Kind.PANEL_STARTED.value:
        return panel_day.sign_in(data)
    if kind == Kind.CASE_CARD.value:
        return panel_day.case_card(data)
    if kind == Kind.VOTE_BALLOT.value:
        return panel_day.ballot(data)
    if kind == Kind.VOTE_RESULT.value:
        return message(
            text,
            actions=[
                action("Open the console", verbs.PANEL_CONSOLE, meeting=str(data["meeting_id"]))
            ],
        )
    if kind == Kind.ALLOCATION.value:
        return panel_day.allocation(text, data.get("milestones", []))
    if kind == Kind.RECORD_ON_CASE_SYSTEM.value:
        return panel_day.record_tick(text, str(data["meeting_id"]), str(data["case_id"]))
    if kind == Kind.MINUTES.value:
        return panel_day.minutes(data)
    if kind == Kind.MILESTONE_DUE.value:
        return follow_up.milestone(data)
    if kind == Kind.DRIFT_REPORT.value:
        return follow_up.drift(text, data.get("sections", {}))
    return message(text)


def activity_for(card: Card, text: str, marker: str = "") -> Activity:
    if marker:
        # How a send with an unknown outcome is found again in the conversation (bot/graph.py).
        card = {**card, "id": marker}
    activity: Activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    # The notification preview Teams shows: the bot's own sentence, never the card's content.
    activity.summary = text[:200]
    return activity


def backoff(attempts: int, retry_after: timedelta | None = None) -> timedelta:
    if retry_after is not None:
        return retry_after
    base = min(2.0 * 2**attempts, 600.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not secrecy


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

    def wake(self) -> None:
        self._wake.set()

    async def run(self, poll: float = 1.0) -> None:
        """Deliver until cancelled; wakes at once when something is enqueued. Stopped, it
        hands back what it claimed and has not sent, so another worker need not wait for
        the lease to run out."""
        try:
            await self._loop(poll)
        finally:
            await self._queue.release(self.worker, self._clock.now())

    async def _loop(self, poll: float) -> None:
        while True:
            try:
                busy = await self.deliver_due()
            except Exception:
                log.exception("Delivery round failed; trying again shortly")
                busy = 0
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll)
                self._wake.clear()

    async def deliver_due(self) -> int:
        """Claim and send what is due now; the number claimed."""
        now = self._clock.now()
        if self._last_heartbeat is None or now - self._last_heartbeat >= HEARTBEAT:
            self._budget.share(await self._queue.heartbeat(self.worker, now, ALIVE))
            self._last_heartbeat = now
        claimed: list[Queued] = await self._queue.claim(self.worker, now, BATCH, self._lease)
        for item in claimed:
            await self._deliver(item)
        return len(claimed)

    async def _still_due(self, item: Queued) -> Mapping[str, Any] | None:
        """The payload to send, without any case that has gone; None when the message's
        reason has gone, in which case it is recorded as cancelled (PRODUCT.md §3.11)."""
        if item.queued_for is None or self._check is None:
            return item.payload
        try:
            queued_for = QueuedFor.from_json(item.queued_for)
        except ValueError:
            verdict = Verdict("what it depended on could not be read")
        else:
            person = (
                item.recipient.removeprefix(PERSON) if item.recipient.startswith(PERSON) else None
            )
            verdict = await self._check(person, queued_for)
        payload = without_cases(item.payload, verdict.drop_cases)
        if verdict.cancel or payload is None:
            reason = verdict.cancel or "every case it was about has gone"
            log.info("Outbox message %s (%s) dropped, not sent: %s", item.id, item.kind, reason)
            await self._queue.cancel(item.id, self.worker, self._clock.now(), reason)
            return None
        return payload

    async def _deliver(self, item: Queued) -> None:
        marker = marker_of(item.id)
        payload = await self._still_due(item)
        if payload is None:
            return
        try:
            card = render(item.kind, payload)
            activity = activity_for(card, str(payload.get("text", "")), marker)
        except (KeyError, ValueError, TypeError) as error:
            log.error("Cannot render a queued %s message: %s", item.kind, type(error).__name__)
            await self._failed(item, Undeliverable("the message cannot be rendered", retry=False))
            return
        since = item.unconfirmed_since
        if since is not None and await self._arrived(item, marker, since):
            await self._queue.mark_sent(item.id, self.worker, self._clock.now())
            return
        started = self._clock.now()
        if not await self._queue.begin(item.id, self.worker, started):
            return  # another worker holds it now (our lease ran out): it sends, not us
        try:
            await self._send(item.recipient, activity)
        except Undeliverable as problem:
            await self._failed(item, problem, started)
        except ErrorResponseException as error:
            status = error.response.status_code if error.response is not None else 0
            await self._failed(
                item,
                Undeliverable(
                    f"Teams answered {status}",
                    retry=status in RETRYABLE,
                    after=_retry_after(error),
                    # A 5xx may come after the message was posted (a gateway timing out).
                    unknown=status >= 500,
                ),
                started,
            )
        except Exception as error:
            # A dropped connection, a timeout, an answer that is not JSON: the send may or may
            # not have arrived. Tried again, after looking for it.
            await self._failed(
                item, Undeliverable(type(error).__name__, retry=True, unknown=True), started
            )
        else:
            await self._queue.mark_sent(item.id, self.worker, self._clock.now())

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
        retry_at = (
            now + (after if after is not None else backoff(item.attempts))
            if problem.retry and item.attempts + 1 < MAX_ATTEMPTS
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

    async def _send(self, recipient: str, activity: Activity) -> None:
        tenant = self._tenant_of(recipient)
        if recipient.startswith(PERSON):
            person_id = recipient.removeprefix(PERSON)
            await self._budget.acquire(recipient, tenant)
            await self._send_to_person(person_id, tenant, activity)
        elif recipient.startswith(CHANNEL):
            panel_id = recipient.removeprefix(CHANNEL)
            await self._budget.acquire(recipient, tenant)
            await self._send_to_channel(panel_id, tenant, activity)
        else:
            raise Undeliverable(f"unknown recipient kind {recipient.split(':')[0]!r}", retry=False)

    async def _send_to_channel(self, panel_id: str, tenant: str, activity: Activity) -> None:
        where = self._directory.channel_of_panel.get(panel_id)
        if where is None:
            raise Undeliverable("the panel has no notice channel configured", retry=False)
        team_id, channel_id = where
        stored = await self._references.get(tenant, team_key(team_id))
        if stored is None:
            raise Undeliverable("the bot is not installed in the panel's team yet", retry=True)
        reference = ConversationReference().deserialize(stored)
        reference.conversation.id = channel_id
        reference.conversation.conversation_type = "channel"
        await self._continue(reference, activity)

    async def _send_to_person(self, person_id: str, tenant: str, activity: Activity) -> None:
        stored = await self._references.get(tenant, person_id)
        if stored is not None and personal_reference(stored):
            await self._continue(ConversationReference().deserialize(stored), activity)
            return
        if stored is not None:
            # Never a 1:1 message into a conversation that does not say it is personal (it may
            # be a channel): the chat is opened afresh from the team roster instead.
            log.warning("The stored chat for a person is not personal; not sending there")
        for team_id in self._directory.teams_of_person.get(person_id, ()):
            team = await self._references.get(tenant, team_key(team_id))
            if team is not None:
                await self._create_and_send(
                    ConversationReference().deserialize(team), team_id, tenant, person_id, activity
                )
                return
        raise Undeliverable(
            "no 1:1 chat with this person: the bot is not installed for them or their team",
            retry=True,
            after=timedelta(minutes=10),
        )

    async def _continue(self, reference: ConversationReference, activity: Activity) -> None:
        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activity(activity)

        await self._proactive(reference, send)

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
    ) -> None:
        """Open a 1:1 chat from the team roster (the member's Teams id comes from the roster,
        looked up by AAD object id), remember it, and send."""

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
                    await chat_context.send_activity(activity)
                except Exception as error:  # reaches us, not on_turn_error (see _proactive)
                    failures.append(error)

            await team_context.adapter.create_conversation(
                self._app_id, in_chat, parameters, team.channel_id, team.service_url
            )
            if failures:
                raise failures[0]

        await self._proactive(team, in_team)


def _retry_after(error: ErrorResponseException) -> timedelta | None:
    response = error.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return timedelta(seconds=min(float(value), 3600.0)) if value else None
    except ValueError:
        return None
