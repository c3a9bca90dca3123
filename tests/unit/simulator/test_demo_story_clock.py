"""The demo's clock: the story's 03:12 UTC, always in the past and less than a day old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sagewatch_simulator.demo import story_moment


@pytest.mark.parametrize(
    ("wall", "story"),
    [
        (datetime(2026, 12, 7, 3, 12, tzinfo=UTC), datetime(2026, 12, 7, 3, 12, tzinfo=UTC)),
        (datetime(2026, 12, 7, 23, 59, tzinfo=UTC), datetime(2026, 12, 7, 3, 12, tzinfo=UTC)),
        (datetime(2026, 12, 7, 3, 11, 59, tzinfo=UTC), datetime(2026, 12, 6, 3, 12, tzinfo=UTC)),
        (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), datetime(2026, 12, 31, 3, 12, tzinfo=UTC)),
        # 04:00 in UTC+2 is 02:00 UTC: yesterday's 03:12 UTC.
        (datetime(2026, 12, 7, 4, 0, tzinfo=timezone(timedelta(hours=2))), datetime(2026, 12, 6, 3, 12, tzinfo=UTC)),
    ],
)
def test_the_story_happens_at_the_latest_0312_utc(wall: datetime, story: datetime) -> None:
    moment = story_moment(wall)
    assert moment == story and moment.tzinfo is not None
    assert timedelta(0) <= wall - moment < timedelta(days=1)
