"""Each panel's week, on the policy's clock: a trigger at the cut-off, at circulation, at each
reminder time and at each break on panel day calls one idempotent step (app.py passes
`week.run_week` then `panel_day.run_panel_day`).

Jobs carry only a panel id, never personal data (docs/safeguards.md §1). Because the step acts on
what the clock and the database say is due, a trigger that fires twice, late, or on two
instances acts once; at start-up the step runs at once to catch up after downtime.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from panel.calendar import WorkingCalendar
from panel.errors import summary
from panel.policy import Policy
from panel.ports import Clock
from panel.timeline import Timeline

log = logging.getLogger(__name__)

Step = Callable[[str], Awaitable[object]]
Sweep = Callable[[], Awaitable[object]]
RETRY_AFTER_FAILURE = timedelta(minutes=5)
# The zone of a sweep not given one. A panel's own week runs in its policy's zone; sweeps are
# registered by app.py, and every preset is an English council (docs/panel-config.md), so
# London wall-clock time is the service's unless a caller names another.
LONDON = ZoneInfo("Europe/London")
# Nothing runs from 01:00 to 02:59 local time: in the UK (and much of Europe) the spring clock
# change skips an hour there and the autumn one repeats it, so a job there could be skipped or
# run twice.
QUIET_HOURS = range(1, 3)


class QuietHours(ValueError):
    """A job was asked for between 01:00 and 02:59 local time."""


def quiet(moment: datetime, zone: ZoneInfo = LONDON) -> bool:
    return moment.astimezone(zone).hour in QUIET_HOURS


def due_moments(policy: Policy, calendar: WorkingCalendar, now: datetime) -> list[datetime]:
    """The trigger times still ahead of `now`, soonest first, from the next two sittings (a
    holiday can put the second one's cut-off before the first one meets)."""
    timeline = Timeline(policy, calendar)
    first = timeline.next_panel(now)
    moments: set[datetime] = set()
    for schedule in (first, timeline.following(first)):
        moments.update(
            m
            for m in (
                schedule.cutoff_at,
                schedule.circulation_at,
                *schedule.reminders_at,
                *(start for start, _ in schedule.breaks_at),
            )
            if m > now
        )
    return sorted(moments)


class WeekScheduler:
    def __init__(
        self,
        panels: Sequence[tuple[str, Policy, WorkingCalendar]],
        step: Step,
        clock: Clock,
    ) -> None:
        self._panels = {panel_id: (policy, calendar) for panel_id, policy, calendar in panels}
        # The quiet hours are the panel's wall-clock hours, so each panel's plan uses its zone.
        self._zones = {panel_id: ZoneInfo(policy.timezone) for panel_id, policy, _ in panels}
        self._step, self._clock = step, clock
        self._scheduler = AsyncIOScheduler(timezone=UTC)

    def start(self) -> None:
        self._scheduler.start()
        for panel_id in self._panels:
            # Catch up at once: after downtime over a due time the step runs now, once.
            self._plan(panel_id, None)

    def every(
        self, job_id: str, sweep: Sweep, *, zone: ZoneInfo = LONDON, **cron: int | str
    ) -> None:
        """A recurring sweep on `zone`'s wall-clock time (CronTrigger fields: day, hour, ...);
        a sweep for one panel should pass that panel's zone."""
        hour = cron.get("hour")
        if isinstance(hour, int) and hour in QUIET_HOURS:
            raise QuietHours(f"{job_id}: nothing is scheduled between 01:00 and 02:59 local time.")
        self._scheduler.add_job(
            self._sweep,
            CronTrigger(timezone=zone, **cron),
            args=[job_id, sweep],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=6 * 3600,  # after downtime a missed sweep still runs, once
            coalesce=True,
        )

    @staticmethod
    async def _sweep(job_id: str, sweep: Sweep) -> None:
        try:
            await sweep()
        except Exception as error:
            log.error(
                "The scheduled sweep %s failed; it runs again at its next time: %s",
                job_id,
                summary(error),
            )

    async def run_now(self, job_id: str) -> None:
        """Run a recurring sweep at once, as its trigger would (tests, and a manual catch-up)."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        await self._sweep(*job.args)

    def job_times(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)

    def next_run(self, panel_id: str) -> datetime | None:
        job = self._scheduler.get_job(self._job_id(panel_id))
        return job.next_run_time if job else None

    @staticmethod
    def _job_id(panel_id: str) -> str:
        return f"week:{panel_id}"

    def _plan(self, panel_id: str, at: datetime | None) -> None:
        """One job per panel, replaced at each plan: `at` None means at once. A policy moment
        in the panel's quiet hours runs at 03:00 its time instead (no preset has one)."""
        zone = self._zones[panel_id]
        if at is not None and quiet(at, zone):
            local = at.astimezone(zone)
            at = local.replace(hour=3, minute=0, second=0, microsecond=0)
        self._scheduler.add_job(
            self.run,
            DateTrigger(run_date=at),
            args=[panel_id],
            id=self._job_id(panel_id),
            replace_existing=True,
            misfire_grace_time=None,  # late is better than never: the step itself is idempotent
            coalesce=True,
        )

    async def run(self, panel_id: str) -> None:
        """One step for one panel, then the next trigger from the policy."""
        policy, calendar = self._panels[panel_id]
        try:
            await self._step(panel_id)
        except Exception as error:
            log.error(
                "The scheduled step for panel %s failed; retrying later: %s",
                panel_id,
                summary(error),
            )
            self._plan(panel_id, self._clock.now() + RETRY_AFTER_FAILURE)
            return
        moments = due_moments(policy, calendar, self._clock.now())
        if moments:
            self._plan(panel_id, moments[0])
            log.info("Panel %s: next scheduled step at %s", panel_id, moments[0].isoformat())
