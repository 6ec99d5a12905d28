"""The collector of a serving process: start-up frozen, young objects collected less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from app.config.collector import YOUNG_THRESHOLD, settle_collector
from app.main import create_app


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as the test found it, afterwards."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_settling_freezes_start_up_and_raises_only_the_young_threshold() -> None:
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    settle_collector()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert YOUNG_THRESHOLD > 700


@pytest.mark.usefixtures("collector")
async def test_the_service_settles_its_collector_once_started() -> None:
    gc.set_threshold(700, 10, 10)
    app = create_app()
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
