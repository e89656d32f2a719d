"""A group's sessions as a calendar: its rhythm (weekday, local time, time zone) with exceptions.

One description of the series, ``series(group)``, feeds both the iCalendar feed (an RRULE with
EXDATE for cancelled occurrences and a RECURRENCE-ID event for each moved one, in the group's
time zone with its VTIMEZONE) and ``upcoming`` (the next sessions a page shows), so the two
never disagree. A group with an irregular rhythm, or without a weekday, time or time zone, has
no series: its calendar is empty rather than wrong.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule
from icalendar import Calendar, Event

from ...models import Group
from ..platform.http_cache import as_utc

PRODUCT_ID = "-//Balint society registry//Group calendar//EN"
UID_DOMAIN = "groups.balint-registry"
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DATEUTIL_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA time zone of that name, or None when it is not one."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Series:
    """A group's recurring sessions: local start of the first, the rule's parts, and where it ends."""

    group_id: int
    name: str
    first: datetime  # aware, in ``zone``
    minutes: int
    zone: ZoneInfo
    frequency: str  # WEEKLY or MONTHLY
    interval: int
    weekday: int
    nth: int | None  # monthly: the nth weekday of the month (-1: the last)
    last_day: date | None
    location: str | None

    @property
    def until(self) -> datetime | None:
        """The rule's UNTIL, in UTC as RFC 5545 asks when DTSTART has a time zone."""
        if self.last_day is None:
            return None
        return datetime.combine(self.last_day, time(23, 59, 59), self.zone).astimezone(timezone.utc)

    def rule(self) -> dict:
        parts = {"FREQ": self.frequency, "BYDAY": f"{self.nth}{WEEKDAYS[self.weekday]}" if self.nth
                 else WEEKDAYS[self.weekday]}
        if self.interval > 1:
            parts["INTERVAL"] = self.interval
        if self.until is not None:
            parts["UNTIL"] = self.until
        return parts

    def starts(self, until: datetime) -> Iterable[datetime]:
        """Local starts of the rhythm's occurrences up to ``until`` (aware), exceptions not applied."""
        day = _DATEUTIL_DAYS[self.weekday]
        rule = rrule.rrule(
            rrule.WEEKLY if self.frequency == "WEEKLY" else rrule.MONTHLY, interval=self.interval,
            byweekday=day(self.nth) if self.nth else day,
            dtstart=self.first.replace(tzinfo=None),
            until=min(until.astimezone(self.zone).replace(tzinfo=None),
                      datetime.combine(self.last_day, time(23, 59, 59)) if self.last_day else datetime.max))
        # Wall-clock arithmetic: a session at 18:00 stays at 18:00 across a change of daylight saving.
        return (start.replace(tzinfo=self.zone) for start in rule)


def _first_day(anchor: date, weekday: int) -> date:
    return anchor + timedelta(days=(weekday - anchor.weekday()) % 7)


def series(group: Group) -> Series | None:
    """The group's recurring sessions, or None when its rhythm gives none."""
    tz = zone(group.timezone)
    if (group.rhythm not in ("weekly", "fortnightly", "monthly") or group.meeting_weekday is None
            or group.meeting_time is None or tz is None):
        return None
    anchor = group.starts_on or (group.created_at.date() if group.created_at else date.today())
    first = _first_day(anchor, group.meeting_weekday)
    nth = None
    if group.rhythm == "monthly":
        nth = (first.day - 1) // 7 + 1
        nth = -1 if nth == 5 else nth  # a fifth weekday is the month's last
    return Series(
        group_id=group.id, name=group.name, first=datetime.combine(first, group.meeting_time, tz),
        minutes=group.session_minutes, zone=tz, frequency="MONTHLY" if group.rhythm == "monthly" else "WEEKLY",
        interval=2 if group.rhythm == "fortnightly" else 1, weekday=group.meeting_weekday, nth=nth,
        last_day=group.ends_on, location=_location(group))


def _location(group: Group) -> str | None:
    if group.format == "online":
        return "Online"
    return ", ".join(part for part in (group.address, group.city) if part) or None


@dataclass(frozen=True)
class Occurrence:
    starts: datetime  # aware, the group's time zone
    minutes: int
    moved_from: date | None = None  # the rhythm's date when the session was moved


def upcoming(group: Group, after: datetime, count: int = 4, horizon_days: int = 400) -> list[Occurrence]:
    """The next ``count`` sessions starting after ``after``: the rhythm less cancellations, moves applied."""
    found = series(group)
    if found is None:
        return []
    exceptions = {e.occurs_on: e for e in group.exceptions}
    occurrences = []
    for start in found.starts(after + timedelta(days=horizon_days)):
        exception = exceptions.get(start.date())
        if exception is None:
            occurrences.append(Occurrence(start, found.minutes))
        elif exception.kind == "moved":
            occurrences.append(Occurrence(exception.moved_to.replace(tzinfo=found.zone), found.minutes, start.date()))
    return sorted((o for o in occurrences if o.starts > after), key=lambda o: o.starts)[:count]


def _uid(group_id: int) -> str:
    return f"group-{group_id}@{UID_DOMAIN}"


def _events(group: Group, stamp: datetime) -> list[Event]:
    found = series(group)
    if found is None:
        return []
    length = timedelta(minutes=found.minutes)
    main = Event()
    main.add("uid", _uid(group.id))
    main.add("dtstamp", stamp)
    main.add("summary", group.name)
    main.add("dtstart", found.first)
    main.add("dtend", found.first + length)
    main.add("rrule", found.rule())
    if found.location:
        main.add("location", found.location)
    overrides = []
    for exception in group.exceptions:
        original = datetime.combine(exception.occurs_on, found.first.timetz())
        if exception.kind == "cancelled":
            main.add("exdate", original)
            continue
        moved = Event()
        moved.add("uid", _uid(group.id))
        moved.add("dtstamp", stamp)
        moved.add("recurrence-id", original)
        moved.add("summary", group.name)
        starts = exception.moved_to.replace(tzinfo=found.zone)
        moved.add("dtstart", starts)
        moved.add("dtend", starts + length)
        if exception.note:
            moved.add("description", exception.note)
        if found.location:
            moved.add("location", found.location)
        overrides.append(moved)
    return [main, *overrides]


def calendar(groups: Iterable[Group], name: str) -> bytes:
    """An iCalendar document of the groups' sessions, with the VTIMEZONE of each zone used."""
    document = Calendar()
    document.add("prodid", PRODUCT_ID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("x-wr-calname", name)
    first_days = []
    for group in groups:
        stamp = as_utc(group.updated_at) if group.updated_at else datetime.now(timezone.utc)
        for event in _events(group, stamp):
            document.add_component(event)
            first_days.append(event.decoded("dtstart").date())
    # Transitions from the first session on only: decades of past daylight-saving dates say nothing.
    document.add_missing_timezones(first_date=min(first_days, default=date.today()))
    return document.to_ical()
