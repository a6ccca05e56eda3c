"""The timeline's geometry: which months get a column, how wide, where gaps collapse, and where marks land."""

from __future__ import annotations

import copy
import json
from datetime import date
from itertools import pairwise
from pathlib import Path

from detente.site.load import load_site_data
from detente.site.timeline import (
    AXIS_HEIGHT,
    COMPACT_MONTH_WIDTH,
    GAP_WIDTH,
    LANE_LABEL_WIDTH,
    PX_PER_DAY,
    axis_months,
    event_number,
    layout_timeline,
    timeline_axis,
    x_at,
)
from fake_release import write_fake_release


def test_axis_months_day_precise_dates_and_pins_get_wide_columns() -> None:
    months = axis_months(["2023-06-05", "2023-03", "2021"], [date(2022, 11, 20)])
    assert months == {date(2023, 6, 1): True, date(2023, 3, 1): False, date(2022, 11, 1): True}  # a year asks for no column


def test_timeline_axis_collapses_runs_of_empty_months() -> None:
    months = {date(2023, 3, 1): False, date(2023, 6, 1): True}
    segments = timeline_axis(months, date(2022, 1, 1), date(2023, 12, 31))
    assert [(s.first, s.last, s.gap) for s in segments] == [
        (date(2022, 1, 1), date(2023, 2, 28), True),
        (date(2023, 3, 1), date(2023, 3, 31), False),
        (date(2023, 4, 1), date(2023, 5, 31), True),
        (date(2023, 6, 1), date(2023, 6, 30), False),
        (date(2023, 7, 1), date(2023, 12, 31), True),
    ]
    assert [s.width for s in segments] == [GAP_WIDTH, COMPACT_MONTH_WIDTH, GAP_WIDTH, 30 * PX_PER_DAY, GAP_WIDTH]
    assert segments[0].x == LANE_LABEL_WIDTH
    assert all(a.x + a.width == b.x for a, b in pairwise(segments))
    # A day of a wide month is PX_PER_DAY wide, and days further on lie further right.
    assert x_at(segments, date(2023, 6, 5), end=True) - x_at(segments, date(2023, 6, 5)) == PX_PER_DAY
    assert x_at(segments, date(2023, 3, 31)) < x_at(segments, date(2023, 6, 1)) < x_at(segments, date(2023, 6, 30))


def test_event_number_sorts_numerically() -> None:
    assert sorted(["v10", "v2", "v1"], key=event_number) == ["v1", "v2", "v10"]


def test_layout_of_the_fake_release(tmp_path: Path) -> None:
    release, raw, (doc_a, doc_b) = write_fake_release(tmp_path)
    timeline = layout_timeline(load_site_data(release, raw))
    assert timeline is not None
    assert timeline.mark_count == 3 and timeline.plover_counts == {"CONSULT": 3}
    lane_a, lane_b = timeline.lanes
    assert (lane_a.article.doc_id, lane_b.article.doc_id) == (doc_a["id"], doc_b["id"])
    assert lane_a.top == AXIS_HEIGHT and lane_b.top == lane_a.top + lane_a.height
    assert timeline.height == lane_b.top + lane_b.height + 4
    # A's day (5 June) lies inside its month (June), so the two share no row; the month is drawn pale.
    day, month = lane_a.marks
    assert (day.event["id"], day.period, month.event["id"], month.period) == ("v1", False, "v2", True)
    assert month.x <= day.x and day.x + day.width <= month.x + month.width and day.y != month.y
    assert lane_a.published_x is not None and lane_a.published_x > day.x  # published on 6 June, the day after


def test_no_dated_event_no_timeline(tmp_path: Path) -> None:
    release, raw, docs = write_fake_release(tmp_path)
    undated = copy.deepcopy(docs)
    for doc in undated:
        for e in doc["events"]:
            e["date"] = None
    (release / "documents" / "train.jsonl").write_text("".join(json.dumps(d) + "\n" for d in undated), encoding="utf-8")
    assert layout_timeline(load_site_data(release, raw)) is None


def test_a_gap_says_how_much_time_it_leaves_out() -> None:
    segments = timeline_axis({date(2023, 3, 1): False, date(2023, 6, 1): True}, date(2018, 10, 20), date(2023, 6, 30))
    gaps = [s for s in segments if s.gap]
    assert [s.skipped for s in gaps] == ["4y", "2m"]  # 2018-10-20..2023-02-28; April and May
    assert timeline_axis({date(2023, 6, 1): True}, date(2023, 5, 25), date(2023, 6, 30))[0].skipped == "7d"
