"""What a requirement asks beyond "at least N units": the rule language's constructs, evaluated.

Status (ready): the loader reads per requirement ``code``, ``constraints`` (checked by
``schemas.constraints.ConstraintsSchema``), ``advisory``, ``source``, ``source_checked_on``
(YYYY-MM-DD), ``unverified``; per rule set ``is_example``; a shipped file holds one rule set or a
JSON list of several (one society's leader and Leader Trainer credentials).

A requirement's ``constraints`` (a JSON object; unknown keys are refused) may say:
- ``only``: a record filter (below); records count only when they match it (who the supervisor,
  co-leader or provider must be, online sessions at most 90 minutes in a closed group with a fixed leader,
  a report's kind);
- ``after`` / ``before``: a window anchored to exactly one of ``{"qualification": "psychotherapy"}``,
  ``{"credential": "<rule-set code>"}``, ``{"step": "<code of another requirement>"}`` (its first
  counted record), ``{"training_started": true}``; optional ``"years"`` / ``"months"`` after that day.
  ``{"qualification": "<code>", "from_training_start": true}``: from the day the training leading to the
  qualification began (the earliest recorded); while no such day is recorded nothing counts, and a
  ``training_start`` check says the day is missing (never guessed).
  ``after`` is inclusive, ``before`` exclusive; before its anchor has happened nothing counts ``after`` it;
- ``rhythm``: ``{"period": "month"|"quarter"|"half_year"|"year"|"training_year", "at_least": N,
  "periods": M}``: at least N in each of M consecutive periods (calendar periods: any run of M up to
  the day; ``training_year``: each of the first M years from the start of training), naming the
  periods that fall short;
- ``span_months``: N: the first and last counted records at least N months apart;
- ``order_before``: "<code>": this step's first record no later than that step's first record;
- ``cap``: ``{"where": FILTER, "max_share": 0.49}``: matching records count for at most that share
  of the counted total (the rest above the cap is not counted);
- ``share``: ``{"where": FILTER, "min_share": 0.5}``: matching records make at least that share;
- ``one_group``: ``{"more_than": 0.5}`` or ``{"min_share": 0.5}``: the counted records of one and the same
  group make more than (at least) that share of the counted total (records of no known group are in the
  total, in no group); the report gives the largest group's share;
- ``first`` / ``last``: FILTER: the first and the last counted occurrences match it (with ``min_days``, the
  check reports how many days the occurrence lasted);
- ``prerequisite``: a fact about the person instead of records, exactly one of
  ``{"membership_throughout": "<society code>" | true}`` (from the start of training to the day, or with
  ``"from_step": "<code>"`` from that step's first counted record, the day itself while it has none;
  ``true``: the society whose rule set it is, so a society that copies the rule set keeps the rule),
  ``{"credential": "<rule-set code>", "held_months": N}``, ``{"qualification": "<code>", "years_since": N}``,
  ``{"condition": "psychodynamically_trained"|...}``; it stands alone (no other key but ``unit_name``);
- ``unit_name``: the name of a unit the rule set defines (a day, a 45-minute hour), for display;
  the requirement's ``minutes_per_unit`` gives its length.
FILTER keys (every key given must hold): ``in_person``, ``with_accredited_leader``, ``group_closed``,
``fixed_leader``, ``supervisor_listed`` (booleans), ``max_minutes``, ``min_minutes``, ``min_group_size``,
``max_group_size`` (numbers; a record whose group size is not known matches neither), ``min_days`` (the record
lasted at least that many days; one whose length in days is not known does not match), ``tags_any``, ``tags_none``,
``provider_in`` (lists), ``report_kind``, ``supervisor_credential``, ``co_leader_credential`` (a rule-set
code held on the record's day), ``any_of`` (a list of FILTERs, one must match). ``supervisor_listed``: the
record's supervisor was on the list of supervisors the rule set's own society keeps, on the record's day
(its administrators' page "Supervisors"); ``group_closed`` (the record's group takes no new members) and
``fixed_leader`` (a leader of the group has led it from the person's first record in it to this one), and the
group's size (its participants on the record's day): see ``facts.py``.
A requirement's top-level ``advisory: true`` shows its progress and never blocks.
Pure functions of plain data, like the evaluator.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter

PERIODS = ("month", "quarter", "half_year", "year", "training_year")
FILTER_KEYS = ("in_person", "with_accredited_leader", "group_closed", "fixed_leader", "supervisor_listed",
               "max_minutes", "min_minutes", "min_group_size", "max_group_size", "min_days", "tags_any", "tags_none",
               "provider_in", "report_kind",
               "supervisor_credential", "co_leader_credential", "any_of")


@dataclass(frozen=True)
class Check:
    """One thing a requirement asks beyond its minimum, with whether it holds and why not."""

    name: str  # rhythm, span, order, share, cap, first, last, prerequisite
    met: bool
    have: str | None = None
    need: str | None = None
    short_periods: tuple[tuple[date, date], ...] = ()


BOOLEAN_KEYS = frozenset(("in_person", "with_accredited_leader", "group_closed", "fixed_leader", "supervisor_listed"))


def matches(record, spec: dict | None) -> bool:
    """Whether ``record`` (a RecordFact) matches the filter ``spec`` (every key given must hold)."""
    test = record_filter(spec)
    return test is None or test(record)


def record_filter(spec: dict | None) -> Callable[[object], bool] | None:
    """The filter ``spec`` as a test of one record, built once for the many records it is asked of
    (None: no filter, every record matches)."""
    if not spec:
        return None
    if not set(spec) <= set(FILTER_KEYS):
        return _never  # a key the language does not know never holds: fail closed
    tests = [_flag_test(key, bool(spec[key])) for key in BOOLEAN_KEYS if key in spec]
    if "max_minutes" in spec:
        most = spec["max_minutes"]
        tests.append(lambda record: record.minutes <= most)
    if "min_minutes" in spec:
        least = spec["min_minutes"]
        tests.append(lambda record: record.minutes >= least)
    if "tags_any" in spec:
        wanted = frozenset(spec["tags_any"])
        tests.append(lambda record: not wanted.isdisjoint(record.tags))
    if "tags_none" in spec:
        refused = frozenset(spec["tags_none"])
        tests.append(lambda record: refused.isdisjoint(record.tags))
    if "provider_in" in spec:
        providers = spec["provider_in"]
        tests.append(lambda record: record.provider in providers)
    if "report_kind" in spec:
        report_kind = spec["report_kind"]
        tests.append(lambda record: record.report_kind == report_kind)
    if "supervisor_credential" in spec:
        supervisor_code = spec["supervisor_credential"]
        tests.append(lambda record: supervisor_code in record.supervisor_credentials)
    if "co_leader_credential" in spec:
        co_leader_code = spec["co_leader_credential"]
        tests.append(lambda record: co_leader_code in record.co_leader_credentials)
    if "min_group_size" in spec:
        smallest = spec["min_group_size"]
        tests.append(lambda record: record.group_size is not None and record.group_size >= smallest)
    if "max_group_size" in spec:
        largest = spec["max_group_size"]
        tests.append(lambda record: record.group_size is not None and record.group_size <= largest)
    if "min_days" in spec:
        fewest = spec["min_days"]
        tests.append(lambda record: record.days is not None and record.days >= fewest)
    if "any_of" in spec:
        options = [record_filter(option) for option in spec["any_of"]]
        tests.append(lambda record: any(test is None or test(record) for test in options))
    if len(tests) == 1:
        return tests[0]
    return lambda record: all(test(record) for test in tests)


def _never(_record) -> bool:
    return False


def _flag_test(key: str, wanted: bool) -> Callable[[object], bool]:
    flag = attrgetter(key)
    return lambda record: bool(flag(record)) == wanted



# -- anchors -------------------------------------------------------------------------

def anchor_day(anchor: dict, person, first_of_step) -> date | None:
    """The day an ``after``/``before`` anchor stands for, or None when it has not happened."""
    if "qualification" in anchor:
        if anchor.get("from_training_start"):
            return person.training_started_for(anchor["qualification"])
        return person.qualified_on(anchor["qualification"])
    if "credential" in anchor:
        return person.credential_since(anchor["credential"])
    if "step" in anchor:
        return first_of_step(anchor["step"])
    if anchor.get("training_started"):
        return person.training_started_on
    return None


def anchored(records: list, constraints: dict, person, first_of_step) -> list:
    """The records inside the ``after`` (inclusive) and ``before`` (exclusive) anchors."""
    if "after" in constraints:
        start = anchor_day(constraints["after"], person, first_of_step)
        if start is None:
            return []  # the qualification or step has not happened: nothing counts after it yet
        start = _later(start, constraints["after"])
        records = [r for r in records if r.occurred_on >= start]
    if "before" in constraints:
        end = anchor_day(constraints["before"], person, first_of_step)
        if end is not None:
            end = _later(end, constraints["before"])
            records = [r for r in records if r.occurred_on < end]
    return records


def anchor_checks(constraints: dict, person) -> list[Check]:
    """An anchor at the start of a qualification's training says whether that day is known: when it
    is not, nothing counts after it, and the report says what to record instead of guessing."""
    checks = []
    for name in ("after", "before"):
        anchor = constraints.get(name)
        if anchor and "qualification" in anchor and anchor.get("from_training_start"):
            started = person.training_started_for(anchor["qualification"])
            checks.append(Check("training_start", started is not None,
                                started.isoformat() if started else None, anchor["qualification"]))
    return checks


def one_group_check(rule: dict, total: Decimal, by_group: dict) -> Check:
    """The largest part from one and the same group, as a share of ``total``: ``more_than`` (strictly)
    or ``min_share`` (at least). ``by_group``: each group's amount (records of no known group are in
    ``total`` but in no group)."""
    largest = max(by_group.values(), default=Decimal(0))
    # to a tenth of a percent: 53 of 105 reads 50.4 %, not a "50 %" that seems to miss "more than half"
    share = (largest / total).quantize(Decimal("0.001"), rounding=ROUND_DOWN) if total else Decimal(0)
    if "more_than" in rule:
        need = Decimal(str(rule["more_than"]))
        held = total > 0 and largest > need * total
    else:
        need = Decimal(str(rule["min_share"]))
        held = total > 0 and largest >= need * total
    return Check("one_group", held, str(share), str(need))


def _later(day: date, anchor: dict) -> date:
    from .evaluator import add_months
    return add_months(day, 12 * int(anchor.get("years", 0)) + int(anchor.get("months", 0)))


# -- periods (rhythms) ---------------------------------------------------------------

def _calendar_period(day: date, period: str) -> tuple[date, date]:
    months = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[period]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    index = day.year * 12 + first_month - 1 + months
    following = date(index // 12, index % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _next_period(span: tuple[date, date], period: str, training_started: date | None) -> tuple[date, date]:
    if period == "training_year":
        return _training_year(span[1] + timedelta(days=1), training_started)
    return _calendar_period(span[1] + timedelta(days=1), period)


def _training_year(day: date, started: date) -> tuple[date, date]:
    from .evaluator import add_months
    years = 0
    while add_months(started, 12 * (years + 1)) <= day:
        years += 1
    return add_months(started, 12 * years), add_months(started, 12 * (years + 1)) - timedelta(days=1)


def rhythm_check(rhythm: dict, amounts: list[tuple[date, Decimal]], person, on: date) -> Check:
    """At least ``at_least`` in each of ``periods`` consecutive periods. Calendar periods: any run
    of consecutive periods up to ``on``; training years: the first ``periods`` years of training."""
    period, at_least, count = rhythm["period"], Decimal(str(rhythm["at_least"])), int(rhythm["periods"])
    need = f"{at_least}×{count}"
    if period == "training_year":
        started = person.training_started_on
        if started is None:
            return Check("rhythm", False, "0", need)
        spans = [_training_year(started, started)]
        while len(spans) < count:
            spans.append(_next_period(spans[-1], period, started))
    else:
        # The ``count`` periods ending with the one containing ``on``: where a shortfall is reported.
        spans = [_calendar_period(on, period)]
        while len(spans) < count:
            previous_end = spans[0][0] - timedelta(days=1)
            spans.insert(0, _calendar_period(previous_end, period))
    totals = {span: Decimal(0) for span in spans}
    per_period: dict[tuple[date, date], Decimal] = {}
    period_of: dict[date, tuple[date, date]] = {}  # each day's period, worked out once per day
    for day, amount in amounts:
        if period == "training_year" and day < person.training_started_on:
            continue  # before the course began: in none of its years
        key = period_of.get(day)
        if key is None:
            key = period_of[day] = (_training_year(day, person.training_started_on) if period == "training_year"
                                    else _calendar_period(day, period))
        per_period[key] = per_period.get(key, Decimal(0)) + amount
        if key in totals:
            totals[key] += amount
    if period != "training_year" and _has_run(per_period, period, at_least, count, on):
        return Check("rhythm", True, need, need)
    short = tuple(span for span in spans if totals[span] < at_least)
    kept = count - len(short)
    return Check("rhythm", not short, f"{at_least}×{kept}", need, short)


def _has_run(per_period: dict, period: str, at_least: Decimal, count: int, on: date) -> bool:
    """Whether some ``count`` consecutive calendar periods up to ``on`` each hold ``at_least``."""
    full = sorted(span for span, amount in per_period.items() if amount >= at_least and span[0] <= on)
    run, previous = 0, None
    for span in full:
        run = run + 1 if previous is not None and _next_period(previous, period, None) == span else 1
        previous = span
        if run >= count:
            return True
    return False


# -- prerequisites -------------------------------------------------------------------

def prerequisite_check(prerequisite: dict, person, on: date, own_society: str | None = None,
                       first_of_step=None) -> Check:
    """A fact about the person, held on ``on``. ``own_society``: the code of the society whose rule
    set this is, for ``"membership_throughout": true``; ``first_of_step``: a step's first day, for
    ``from_step``."""
    from .evaluator import add_months
    if "membership_throughout" in prerequisite:
        society = prerequisite["membership_throughout"]
        if society is True:
            society = own_society
        if not isinstance(society, str):
            return Check("prerequisite", False, "no", "yes")  # whose membership is unknown: fail closed
        since = person.training_started_on or on
        if "from_step" in prerequisite:
            step_day = first_of_step(prerequisite["from_step"]) if first_of_step is not None else None
            since = on if step_day is None else min(step_day, on)
        held = person.member_throughout(society, since, on)
        return Check("prerequisite", held, "yes" if held else "no", "yes")
    if "credential" in prerequisite:
        since = person.credential_since(prerequisite["credential"], on)
        months = int(prerequisite.get("held_months", 0))
        held = 0 if since is None else _whole_months(since, on)
        return Check("prerequisite", since is not None and add_months(since, months) <= on, str(held), str(months))
    if "qualification" in prerequisite:
        since = person.qualified_on(prerequisite["qualification"])
        years = int(prerequisite.get("years_since", 0))
        held = 0 if since is None or since > on else _whole_months(since, on) // 12
        return Check("prerequisite", since is not None and add_months(since, 12 * years) <= on, str(held), str(years))
    if "condition" in prerequisite:
        held = person.satisfies(prerequisite["condition"])
        return Check("prerequisite", held, "yes" if held else "no", "yes")
    return Check("prerequisite", False)  # an unknown prerequisite never holds: fail closed


def _whole_months(since: date, on: date) -> int:
    months = (on.year - since.year) * 12 + on.month - since.month - (1 if on.day < since.day else 0)
    return max(0, months)
