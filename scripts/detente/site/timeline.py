"""The event timeline's geometry: an x axis of months and collapsed gaps, and one lane per article holding a
mark per dated event mention. Pure functions of the site data; the index template draws the result as SVG.

A month holding a day-precise date (an event's or a publication date) gets PX_PER_DAY per day; a month holding
only month-precise dates a narrow column; runs of months holding neither collapse into a gap. So five years fit
on a page and June 2023 stays readable. The axis is therefore not linear in time; the index page says so next
to the timeline, and each gap shows on the axis (hatched, ⋯ and how long it is).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from detente.site.load import Article, SiteData, date_bounds, event_period, plover_label

# Geometry, in pixels.
PX_PER_DAY = 5.0
COMPACT_MONTH_WIDTH = 40.0
GAP_WIDTH = 22.0
LANE_LABEL_WIDTH = 190.0
AXIS_HEIGHT = 34.0
MARK_HEIGHT = 10.0
ROW_STEP = 13.0
LANE_PAD = 8.0
MIN_MARK_WIDTH = 5.0
ROW_SPACING = 1.5  # the least room between two marks sharing a row


@dataclass(frozen=True)
class Segment:
    """A piece of the x axis: one month's column, or a collapsed run of days (a gap)."""

    first: date
    last: date
    x: float
    width: float
    gap: bool

    def x_of(self, day: date, end: bool) -> float:
        """x of the start of `day`, or of its end when end=True."""
        days = (self.last - self.first).days + 1
        offset = (day - self.first).days + (1 if end else 0)
        return self.x + self.width * offset / days

    @property
    def skipped(self) -> str:
        """How much time a gap leaves out, short enough to print under its ⋯ on the axis: "4m", "2y", "12d"."""
        days = (self.last - self.first).days + 1
        if days < 28:
            return f"{days}d"
        months = round(days / 30.44)
        return f"{months}m" if months < 24 else f"{round(months / 12)}y"


@dataclass(frozen=True)
class Mark:
    """One dated event mention, as a box in its article's lane."""

    event: dict[str, Any]
    x: float
    y: float
    width: float
    period: bool  # covers more than one day (a month, a year or an interval): drawn pale

    @property
    def height(self) -> float:
        return MARK_HEIGHT


@dataclass(frozen=True)
class Lane:
    article: Article
    top: float
    height: float
    marks: list[Mark]  # in event order
    published_x: float | None  # where the publication date's pin points, if the article has a date

    @property
    def title_y(self) -> float:
        return self.top + LANE_PAD + 10

    @property
    def caption_y(self) -> float:
        return self.top + LANE_PAD + 24


@dataclass(frozen=True)
class Timeline:
    segments: list[Segment]
    lanes: list[Lane]
    width: float
    height: float
    plover_counts: dict[str, int]  # marks by PLOVER label, in label order

    @property
    def mark_count(self) -> int:
        return sum(len(lane.marks) for lane in self.lanes)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def timeline_axis(months: dict[date, bool], lo: date, hi: date) -> list[Segment]:
    """The x axis from lo to hi: a column per month in `months` (wide when it holds a day-precise date,
    narrow otherwise) and a collapsed gap for every run of other months."""
    if not months:
        months = {_month_start(lo): False}
    first_month, last_month = min(months), max(months)
    segments: list[Segment] = []
    x = LANE_LABEL_WIDTH

    def gap(first: date, last: date) -> None:
        nonlocal x
        segments.append(Segment(first, last, x, GAP_WIDTH, True))
        x += GAP_WIDTH

    if lo < first_month:
        gap(lo, first_month - timedelta(days=1))
    gap_start: date | None = None
    month = first_month
    while month <= last_month:
        end = _next_month(month) - timedelta(days=1)
        if month in months:
            if gap_start is not None:
                gap(gap_start, month - timedelta(days=1))
                gap_start = None
            width = PX_PER_DAY * ((end - month).days + 1) if months[month] else COMPACT_MONTH_WIDTH
            segments.append(Segment(month, end, x, width, False))
            x += width
        elif gap_start is None:
            gap_start = month
        month = _next_month(month)
    if hi > segments[-1].last:
        gap(segments[-1].last + timedelta(days=1), hi)
    return segments


def axis_months(date_values: list[str], pins: list[date]) -> dict[date, bool]:
    """Months to draw as columns, each with whether it holds a day-precise date (ISO strings of any precision)."""
    months: dict[date, bool] = {}
    for value in date_values:
        if len(value) >= 7:  # a year-precise date spans a whole year and asks for no column of its own
            month = date(int(value[:4]), int(value[5:7]), 1)
            months[month] = months.get(month, False) or len(value) == 10
    for pin in pins:
        months[_month_start(pin)] = True
    return months


def x_at(segments: list[Segment], day: date, end: bool = False) -> float:
    for seg in segments:
        if seg.first <= day <= seg.last:
            return seg.x_of(day, end)
    raise ValueError(f"{day} outside the timeline axis")  # cannot happen: the axis covers every mark


def event_number(event_id: str) -> tuple[int, str]:
    """Sort key of an event ID: v2 before v10."""
    digits = re.sub(r"\D", "", event_id)
    return (int(digits) if digits else 0, event_id)


DatedEvent = tuple[date, date, dict[str, Any]]  # first day, last day, event record


def _lane(article: Article, dated: list[DatedEvent], segments: list[Segment], top: float) -> Lane:
    """Boxes for the article's dated events, each in the first row where it does not touch the previous box."""
    boxes = []
    for first, last, e in dated:
        x0, x1 = x_at(segments, first), x_at(segments, last, end=True)
        if x1 - x0 < MIN_MARK_WIDTH:
            middle = (x0 + x1) / 2
            x0, x1 = middle - MIN_MARK_WIDTH / 2, middle + MIN_MARK_WIDTH / 2
        boxes.append((x0, x1, first, last, e))
    row_ends: list[float] = []
    placed: list[tuple[int, Mark]] = []
    for x0, x1, first, last, e in sorted(boxes, key=lambda b: (b[0], b[1], event_number(b[4]["id"]))):
        row = next((i for i, end in enumerate(row_ends) if end + ROW_SPACING <= x0), len(row_ends))
        if row == len(row_ends):
            row_ends.append(x1)
        else:
            row_ends[row] = x1
        placed.append((row, Mark(e, x0, top + LANE_PAD + row * ROW_STEP, x1 - x0, last > first)))
    height = max(1, len(row_ends)) * ROW_STEP + 2 * LANE_PAD
    marks = [mark for _, mark in sorted(placed, key=lambda p: event_number(p[1].event["id"]))]
    published_x = x_at(segments, date_bounds(article.date, article.where)[0]) + PX_PER_DAY / 2 if article.date else None
    return Lane(article, top, height, marks, published_x)


def layout_timeline(data: SiteData) -> Timeline | None:
    """The timeline of every dated event mention, or None when no event has a normalised date."""
    per_article: list[tuple[Article, list[DatedEvent]]] = []
    for a in data.articles:
        dated = []
        for e in a.dated_events:
            first, last = event_period(e["date"], f"{a.where} ({a.doc_id}) event {e['id']}")
            dated.append((first, last, e))
        per_article.append((a, dated))
    pins = [date_bounds(a.date, a.where)[0] for a in data.articles if a.date]
    periods = [(first, last) for _, dated in per_article for first, last, _ in dated]
    if not periods:
        return None
    date_values = [v for _, dated in per_article for _, _, e in dated for v in (e["date"]["start"], e["date"].get("end")) if v]
    lo = min([first for first, _ in periods] + pins)
    hi = max([last for _, last in periods] + pins)
    segments = timeline_axis(axis_months(date_values, pins), lo, hi)
    width = segments[-1].x + segments[-1].width + 10

    lanes: list[Lane] = []
    top = AXIS_HEIGHT
    for article, dated in per_article:
        lane = _lane(article, dated, segments, top)
        lanes.append(lane)
        top += lane.height
    labels = sorted({plover_label(e) for _, dated in per_article for _, _, e in dated})
    counts = {label: sum(1 for _, dated in per_article for _, _, e in dated if plover_label(e) == label) for label in labels}
    return Timeline(segments, lanes, width, top + 4, counts)
