"""Teams' limits, kept by the delivery worker: 7 sends a second per conversation, 50 per
tenant. Time here is fake: waiting for a token moves it on."""

from __future__ import annotations

from bot.delivery import RateBudget


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


async def test_a_burst_to_one_person_is_paced_at_seven_a_second() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)

    for _ in range(21):
        await budget.acquire("person:a", "tenant")

    # 7 at once (the first second's burst), then 14 more at 7 a second.
    assert abs(clock.slept - 2.0) < 1e-6


async def test_many_people_in_one_tenant_share_fifty_a_second() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)

    for n in range(250):
        await budget.acquire(f"person:{n}", "tenant")

    assert abs(clock.slept - 4.0) < 1e-6  # 50 at once, then 200 at 50 a second


async def test_another_tenant_has_its_own_budget() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)

    for n in range(50):
        await budget.acquire(f"person:{n}", "tenant-a")
    for n in range(50):
        await budget.acquire(f"person:{n}", "tenant-b")

    assert clock.slept == 0.0
