"""The request deadline's shared slots: never early, at most one slot late, one timer per slot."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.edge import deadline as deadline_module
from app.edge.deadline import MAX_LATENESS_SECONDS, Deadline, _Slots


class Watched:
    def __init__(self) -> None:
        self.request_id = "r"
        self.abandoned = False
        self.started = False


async def _no_send(message: Any) -> None:
    return None


async def _request(seconds: float, watched: Watched, runs: float) -> Deadline:
    """A request task that runs `runs` seconds under a deadline of `seconds`."""
    scope = {"method": "GET", "path": "/x"}
    deadline = Deadline.start(seconds, scope, watched, _no_send)
    try:
        await asyncio.sleep(runs)
    except asyncio.CancelledError:
        pass
    finally:
        deadline.cancel()
    return deadline


async def test_a_deadline_fires_after_its_time_and_within_one_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    fired: list[float] = []
    monkeypatch.setattr(Deadline, "_expire", lambda self: fired.append(loop.time()))
    started = loop.time()
    await _request(0.3, Watched(), runs=0.6)
    assert len(fired) == 1
    assert 0.3 <= fired[0] - started <= 0.3 + min(MAX_LATENESS_SECONDS, 0.3 / 20) + 0.05


async def test_a_request_done_in_time_is_never_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    fired: list[Deadline] = []
    monkeypatch.setattr(Deadline, "_expire", lambda self: fired.append(self))
    for _ in range(20):
        await _request(0.2, Watched(), runs=0)
    await asyncio.sleep(0.3)
    assert fired == []


async def test_requests_of_one_slot_share_one_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    timers: list[object] = []
    call_at = loop.call_at

    def counting(when: float, callback: Any, *args: Any) -> asyncio.TimerHandle:
        timers.append(when)
        return call_at(when, callback, *args)

    monkeypatch.setattr(loop, "call_at", counting)
    monkeypatch.setattr(Deadline, "_expire", lambda self: None)
    scope = {"method": "GET", "path": "/x"}
    deadlines = [Deadline.start(10.0, scope, Watched(), _no_send) for _ in range(100)]
    for deadline in deadlines:
        deadline.cancel()
    # 100 requests started within a few microseconds: one or two slots, never one per request
    assert 1 <= len(timers) <= 2


async def test_an_overrunning_request_is_answered_503_and_its_task_cancelled() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    watched = Watched()

    async def request() -> None:
        deadline = Deadline.start(0.2, {"method": "GET", "path": "/x"}, watched, send)
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError as error:
            await deadline.wound_down(error)
        finally:
            deadline.cancel()

    await asyncio.wait_for(asyncio.create_task(request()), 3)
    assert watched.abandoned
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 503


async def test_each_loop_has_slots_of_its_own() -> None:
    here = _Slots.of(1.0)
    assert here is _Slots.of(1.0)
    assert here.loop is asyncio.get_running_loop()
    elsewhere: list[_Slots] = []

    def other_loop() -> None:
        async def ask() -> None:
            elsewhere.append(_Slots.of(1.0))

        asyncio.run(ask())

    await asyncio.to_thread(other_loop)
    assert elsewhere[0] is not here
    assert _Slots.of(1.0) is here
    assert deadline_module._Slots.of(2.0).width == min(MAX_LATENESS_SECONDS, 2.0 / 20)
