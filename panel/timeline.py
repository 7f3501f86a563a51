"""The weekly (or monthly) timeline of a panel: when it meets and when each step before it is due.

All moments are aware datetimes in the policy's zone. Dates are chosen in local time first and
only then given an offset, so a clock change between the cut-off and the panel never shifts a
wall-clock time ("12:00" stays 12:00 in GMT and in BST).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from panel.calendar import WorkingCalendar, add_months
from panel.errors import InvalidInput
from panel.policy import Cadence, ClosedPanelDay, Moment, Policy

# Fortnightly panels count weeks from this Monday so that every instance agrees on the parity.
FORTNIGHT_EPOCH = date(2024, 1, 1)
# Far enough to cross any run of closures; a policy that never meets is a configuration error.
_MAX_SEARCH = 400


@dataclass(frozen=True)
class PanelSchedule:
    panel_date: date
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime
    circulation_at: datetime
    info_check_deadline_at: datetime
    reminders_at: tuple[datetime, ...]
    breaks_at: tuple[tuple[datetime, datetime], ...]

    @property
    def key(self) -> str:
        """A stable identifier of this sitting, for idempotency keys (no personal data)."""
        return self.panel_date.isoformat()


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on `day` in `zone`, normalised so that a wall time skipped by the spring clock
    change lands on the instant after the gap instead of an impossible local time."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(zone)


class Timeline:
    def __init__(self, policy: Policy, calendar: WorkingCalendar) -> None:
        self.policy = policy
        self.calendar = calendar
        self.zone = ZoneInfo(policy.timezone)

    # -- Panel days ---------------------------------------------------------------------------

    def _nominal_dates(self, start: date) -> Iterator[date]:
        """The panel's usual days on or after `start`, before closures are considered."""
        policy = self.policy
        if policy.cadence is Cadence.MONTHLY:
            month = date(start.year, start.month, 1)
            while True:
                yield from (d for d in [self._nth_weekday(month)] if d >= start)
                month = add_months(month, 1)
        d = start + timedelta(days=(policy.weekday - start.weekday()) % 7)
        if policy.cadence is Cadence.FORTNIGHTLY and ((d - FORTNIGHT_EPOCH).days // 7) % 2:
            d += timedelta(weeks=1)
        step = timedelta(weeks=2 if policy.cadence is Cadence.FORTNIGHTLY else 1)
        while True:
            yield d
            d += step

    def _nth_weekday(self, first_of_month: date) -> date:
        policy = self.policy
        if policy.week_of_month == -1:
            last = add_months(first_of_month, 1) - timedelta(days=1)
            return last - timedelta(days=(last.weekday() - policy.weekday) % 7)
        first = first_of_month + timedelta(days=(policy.weekday - first_of_month.weekday()) % 7)
        return first + timedelta(weeks=policy.week_of_month - 1)

    def _actual(self, nominal: date) -> date | None:
        """Where a sitting really happens when its usual day is closed (None: it is skipped)."""
        if self.calendar.is_working_day(nominal):
            return nominal
        match self.policy.on_closed_day:
            case ClosedPanelDay.NEXT_WORKING_DAY:
                return self.calendar.on_or_after(nominal)
            case ClosedPanelDay.PREVIOUS_WORKING_DAY:
                return self.calendar.on_or_before(nominal)
            case ClosedPanelDay.SKIP:
                return None

    def panel_dates(self, start: date) -> Iterator[date]:
        """Actual panel days on or after `start`, in order."""
        # Begin a week early: a sitting moved forward past a closure may still land after start.
        previous: date | None = None
        misses = 0
        for nominal in self._nominal_dates(start - timedelta(days=7)):
            actual = self._actual(nominal)
            if actual is None or actual < start or actual == previous:
                misses += 1
                if misses > _MAX_SEARCH:
                    raise InvalidInput("This policy never meets: check its days and closures.")
                continue
            misses = 0
            previous = actual
            yield actual

    # -- Schedules ----------------------------------------------------------------------------

    def schedule_for(self, panel_date: date) -> PanelSchedule:
        policy = self.policy
        starts = local_moment(panel_date, policy.meeting_time, self.zone)
        breaks = tuple(
            (start, start + timedelta(minutes=b.minutes))
            for b in policy.breaks
            for start in [local_moment(panel_date, b.at, self.zone)]
        )
        return PanelSchedule(
            panel_date=panel_date,
            starts_at=starts,
            ends_at=(starts + policy.meeting_length).astimezone(self.zone),
            cutoff_at=self.moment(panel_date, policy.cutoff),
            circulation_at=self.moment(panel_date, policy.circulation),
            info_check_deadline_at=self.moment(panel_date, policy.info_check_deadline),
            reminders_at=tuple(sorted(self.moment(panel_date, m) for m in policy.reminders)),
            breaks_at=breaks,
        )

    def moment(self, panel_date: date, moment: Moment) -> datetime:
        day = self.calendar.add_working_days(panel_date, -moment.working_days_before)
        return local_moment(day, moment.at, self.zone)

    def schedules(self, now: datetime) -> Iterator[PanelSchedule]:
        """Schedules of sittings that start after `now`, soonest first."""
        _require_aware(now)
        local_today = now.astimezone(self.zone).date()
        for panel_date in self.panel_dates(local_today):
            schedule = self.schedule_for(panel_date)
            if schedule.starts_at > now:
                yield schedule

    def next_panel(self, now: datetime) -> PanelSchedule:
        """The next sitting that has not started yet."""
        return next(self.schedules(now))

    def next_open_for_listing(self, now: datetime) -> PanelSchedule:
        """The first sitting whose cut-off is still ahead: where a case listed now will go."""
        return next(s for s in self.schedules(now) if s.cutoff_at > now)

    def following(self, schedule: PanelSchedule) -> PanelSchedule:
        """The sitting after `schedule` (where overflow rolls to)."""
        return self.schedule_for(next(self.panel_dates(schedule.panel_date + timedelta(days=1))))


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("Times must carry a time zone.")
