"""Importing a ledger file for a candidate (recognition of prior learning): all records or none.

The file is the format of ``services/accreditation/ledger_file.py`` (``docs/ledger.md``). Every
record becomes a training record of the person marked imported (``source = "import"``), pending
until an administrator reviews it in the ledger review like any other. A file with problems
creates nothing: ``LedgerImportError`` lists every problem with where it is (``records[3].units``),
so a file is corrected in one round. The person's facts in the file are not applied (they are the
society's to verify, on the member's record); the caller is told which were given. Each record is
on the audit trail through the flush hook, and the import as a whole is one ``import`` event.
"""
import dataclasses
import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Person, TrainingRecord, User
from ...models.training import MINUTES_PER_UNIT, RECORD_KINDS, UNITS, join_tags
from ...presentation.records import REPORT_KINDS, TAGS
from ..accreditation.evaluator import RecordFact
from ..accreditation.ledger_file import LedgerError, load_ledger
from ..errors import InvalidInput
from ..platform import audit

MAX_BYTES = 2 * 1024 * 1024
MAX_RECORDS = 10_000
PROVIDER_LENGTH = 40  # training_records.provider
GROUP_LENGTH = 120  # training_records.outside_group
MAX_DAYS = 60
MAX_UNITS = 1000
MAX_MINUTES = 14400
TOP_LEVEL_ONLY = {"records": []}


class LedgerImportError(InvalidInput):
    """A file that cannot be imported, with every problem found (each names where it is)."""

    def __init__(self, problems: list[str]):
        super().__init__(_l("The file has %(n)s problem(s); nothing was imported.", n=len(problems)), field="ledger")
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    records: list[TrainingRecord]
    rule_set: str | None
    facts_not_applied: tuple[str, ...]  # the person facts the file gave, for the administrator to check


def read_file(content: bytes) -> dict:
    """The parsed JSON of an uploaded ledger file; ``LedgerImportError`` otherwise."""
    if len(content) > MAX_BYTES:
        raise LedgerImportError([str(_l("The file is larger than %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)))])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LedgerImportError([str(_l("This is not a JSON file: %(error)s", error=str(error)))]) from error
    if not isinstance(data, dict):
        raise LedgerImportError([str(_l("A ledger file is a JSON object with rule_set, person and records."))])
    return data


def check_ledger(data: dict, today: date) -> tuple[list[RecordFact], list[str]]:
    """The file's records and every problem found: the format's (``load_ledger``), then the registry's."""
    problems = _problems_of({**data, **TOP_LEVEL_ONLY, "rule_set": data.get("rule_set", "import")})
    raw_records = data.get("records")
    if not isinstance(raw_records, list):
        return [], problems + ["records: give a list of training records"]
    if len(raw_records) > MAX_RECORDS:
        return [], problems + [str(_l("A file may hold at most %(n)s records.", n=MAX_RECORDS))]
    if not raw_records:
        problems.append(str(_l("The file holds no records.")))
    facts = []
    for index, raw in enumerate(raw_records):
        # One record at a time, so that every record's problems are found whatever its neighbours hold.
        where = f"records[{index}]"
        try:
            fact = load_ledger({"rule_set": "import", "records": [raw]}).records[0]
        except LedgerError as error:
            problems += [problem.replace("records[0]", where, 1) for problem in error.problems]
            continue
        fact, found = _registry_checks(fact, where, today)
        problems += found
        facts.append(fact)
    return facts, problems


def import_ledger(person: Person, data: dict, by: User, society_id: int, *, today: date,
                  file_name: str | None = None) -> ImportResult:
    """Create the file's records for ``person``, imported and pending, in the caller's transaction:
    all of them, or none and ``LedgerImportError``."""
    facts, problems = check_ledger(data, today)
    if problems:
        raise LedgerImportError(problems)
    created = [TrainingRecord(person_id=person.id, source="import", status="pending", created_by_id=by.id,
                              **_columns_of(fact)) for fact in facts]
    db.session.add_all(created)
    db.session.flush()
    rule_set = data.get("rule_set") if isinstance(data.get("rule_set"), str) else None
    person_facts = data.get("person") if isinstance(data.get("person"), dict) else {}
    audit.record("import", entity_type="Person", entity_id=person.id, society_id=society_id,
                 details={"ledger_file": file_name, "rule_set": rule_set, "records": len(created),
                          "facts_not_applied": sorted(person_facts)})
    return ImportResult(created, rule_set, tuple(sorted(person_facts)))


def _problems_of(data: dict) -> list[str]:
    try:
        load_ledger(data)
    except LedgerError as error:
        return list(error.problems)
    return []


def _registry_checks(fact: RecordFact, where: str, today: date) -> tuple[RecordFact, list[str]]:
    """What the registry asks of a record beyond the file format; a fixed-length unit without
    minutes gets them from its units (``"unit": "hour", "units": 2`` is 120 minutes)."""
    problems = []
    if fact.kind not in RECORD_KINDS:
        problems.append(f"{where}.kind: " + str(_l("unknown kind %(kind)s; known: %(known)s",
                                                   kind=fact.kind, known=", ".join(RECORD_KINDS))))
    if fact.unit not in UNITS:
        problems.append(f"{where}.unit: " + str(_l("unknown unit %(unit)s; known: %(known)s",
                                                   unit=fact.unit, known=", ".join(UNITS))))
    if fact.occurred_on > today:
        problems.append(f"{where}.occurred_on: " + str(_l("the date cannot be in the future")))
    if not 0 < fact.units < MAX_UNITS:
        problems.append(f"{where}.units: " + str(_l("give a number above 0 and below %(n)s", n=MAX_UNITS)))
    if not 0 <= fact.minutes <= MAX_MINUTES:
        problems.append(f"{where}.minutes: " + str(_l("give whole minutes between 0 and %(n)s", n=MAX_MINUTES)))
    problems += _fact_problems(fact, where)
    per_unit = MINUTES_PER_UNIT.get(fact.unit)
    if per_unit is not None and fact.minutes == 0:
        fact = dataclasses.replace(fact, minutes=int(fact.units * per_unit))
    elif per_unit is not None and fact.minutes != fact.units * per_unit:
        problems.append(f"{where}.minutes: " + str(_l(
            "%(units)s × %(per_unit)s minutes make %(expected)s minutes, not %(minutes)s",
            units=fact.units, per_unit=per_unit, expected=fact.units * per_unit, minutes=fact.minutes)))
    return fact, problems


def _fact_problems(fact: RecordFact, where: str) -> list[str]:
    """The rule-language facts must fit their columns: a file may name a provider the form does not
    list (kept as written), but report kinds and tags are codes the rule sets name."""
    problems = []
    if fact.provider is not None and not 0 < len(fact.provider) <= PROVIDER_LENGTH:
        problems.append(f"{where}.provider: " + str(_l("give at most %(n)s characters", n=PROVIDER_LENGTH)))
    if fact.report_kind is not None and fact.report_kind not in REPORT_KINDS:
        problems.append(f"{where}.report_kind: " + str(_l("unknown report kind %(kind)s; known: %(known)s",
                                                          kind=fact.report_kind, known=", ".join(REPORT_KINDS))))
    if fact.days is not None and not 1 <= fact.days <= MAX_DAYS:
        problems.append(f"{where}.days: " + str(_l("give whole days from 1 to %(n)s", n=MAX_DAYS)))
    if fact.group is not None and not 0 < len(fact.group.strip()) <= GROUP_LENGTH:
        problems.append(f"{where}.group: " + str(_l("give the group's name in at most %(n)s characters", n=GROUP_LENGTH)))
    unknown = sorted(set(fact.tags) - set(TAGS))
    if unknown:
        problems.append(f"{where}.tags: " + str(_l("unknown tags %(tags)s; known: %(known)s",
                                                   tags=", ".join(unknown), known=", ".join(TAGS))))
    return problems


def _columns_of(fact: RecordFact) -> dict:
    """The record's columns the file's record gives (a fact the ledger has no column for is not kept)."""
    columns = {column.key for column in TrainingRecord.__table__.columns} - {"id", "person_id", "status", "source"}
    values = {field.name: getattr(fact, field.name) for field in dataclasses.fields(fact) if field.name in columns}
    values["tags"] = join_tags(fact.tags)  # a list in the file, comma-separated codes in the column
    # The file names its group; no group of the registry is guessed from a name: it is kept as written.
    values["outside_group"] = fact.group.strip() if fact.group else None
    return values
