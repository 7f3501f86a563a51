"""Teams' limits, kept by the delivery worker: 7 sends a second per conversation, 50 per
tenant, evenly spaced (Teams counts over sliding windows). Time here is fake: waiting for a
token moves it on."""

from __future__ import annotations

import pytest

from bot.rate_budget import RateBudget


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


async def test_sends_to_one_person_are_spaced_at_seven_a_second() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)

    for _ in range(22):
        await budget.acquire("person:a", "tenant")

    assert clock.slept == pytest.approx(3.0)  # the first at once, then 21 at 7 a second


async def test_many_people_in_one_tenant_share_fifty_a_second() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)

    for n in range(251):
        await budget.acquire(f"person:{n}", "tenant")

    assert clock.slept == pytest.approx(5.0)


async def test_another_tenant_has_its_own_budget() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)
    for n in range(51):
        await budget.acquire(f"person:{n}", "tenant-a")
    waited_for_a = clock.slept

    await budget.acquire("person:0", "tenant-b")

    assert waited_for_a == pytest.approx(1.0)
    assert clock.slept == waited_for_a  # tenant-b's first send did not wait for tenant-a's


async def test_two_instances_each_take_half_of_the_tenants_fifty_a_second() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)
    await budget.acquire("person:warm", "tenant")  # a bucket made before the share changes
    budget.share(2)

    for n in range(125):
        await budget.acquire(f"person:{n}", "tenant")

    assert clock.slept == pytest.approx(5.0)  # 125 at 25 a second


async def test_when_the_other_instance_goes_the_whole_budget_comes_back() -> None:
    clock = FakeTime()
    budget = RateBudget(monotonic=clock.monotonic, sleep=clock.sleep)
    budget.share(2)
    budget.share(0)  # never below one worker: itself

    for n in range(251):
        await budget.acquire(f"person:{n}", "tenant")

    assert budget.workers == 1
    assert clock.slept == pytest.approx(5.0)
