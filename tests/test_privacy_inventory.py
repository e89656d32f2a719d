"""One inventory of personal data: the ``personal()`` markers drive export and erasure, so a
column that looks personal must carry one (or say here why it is not personal)."""
import re

from sqlalchemy import JSON, Text

from society.extensions import db
from society.services.privacy import inventory

# Column names that usually hold something about a person: a name, contact data, a birth date,
# free text (notes, reasons, messages), what a file or a row said.
LOOKS_PERSONAL = re.compile(r"(name|e_?mail|phone|mobile|address|street|postcode|postal|zip|birth|note|reason|"
                            r"comment|message|details|content|cells|loaded|city|description|title|label|^ip$)")

# Columns that look personal but are not, each with the reason.
NOT_PERSONAL = {
    "audit_events.actor_label": "the trail: pseudonymised by erasure.pseudonymise_audit_trail",
    "audit_events.changes": "the trail: pseudonymised by erasure.pseudonymise_audit_trail",
    "audit_events.ip": "the trail: dropped from the person's events by erasure",
    "scheduler_leases.name": "a lease's name",
    "societies.name": "a society",
    "societies.certificate_signatories": "the society's officers, printed on every certificate",
    "societies.logo_filename": "a file of the package",
    "groups.name": "a group",
    "groups.city": "where a group meets",
    "groups.address": "where a group meets (a practice or a hall), published in the finder and the calendars",
    "session_exceptions.note": "why a session moved or was cancelled, published in the group's calendar",
    "job_runs.counts": "numbers",
    "job_runs.error": "a traceback of the application",
    "memberships.end_reason": "a code (resigned, lapsed...)",
    "retained_records.reason": "the law or rule that keeps a record, in the application's words",
    "rule_sets.credential_title": "a rule set",
    "rule_sets.description": "a rule set",
    "rule_sets.translations": "a rule set's texts",
    "rule_set_versions.label": "a rule set",
    "rule_set_versions.notes": "a rule set",
    "rule_set_versions.translations": "a rule set's texts",
    "requirements.label": "a rule set",
    "requirements.translations": "a rule set's texts",
    "payment_imports.filename": "the name of an uploaded bank file, shown in the payments list",
    "payment_imports.report": "the counts of a committed bank file",
    "requirements.constraints": "a rule set's rules as data (rhythms, shares, whose credential counts)",
    "import_batches.filename": "the name of an uploaded file, shown in the imports list",
    "webhook_events.message_id": "a generated id",
    "webhook_events.payload": "groups, accreditations and certificates by id (a person only as person_id), never names",
    "webhook_subscriptions.events": "event types",
    "webhook_deliveries.last_error": "what a subscriber's server answered",
    "training_records.title": "a seminar's or intensive's name, never case content",
    "directory_summaries.body": "a group as the directory publishes it (leaders' names as published); erasure rewrites it",
}


def _looks_personal(column) -> bool:
    return bool(LOOKS_PERSONAL.search(column.name)) or isinstance(column.type, (Text, JSON))


def test_every_column_that_looks_personal_is_marked_or_explained():
    unmarked = [f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns
                if _looks_personal(column) and not column.info.get("personal")
                and f"{table.name}.{column.name}" not in NOT_PERSONAL]
    assert unmarked == [], ("Mark these columns with personal() (models/_base.py), so export and erasure "
                            f"cover them, or explain in NOT_PERSONAL why they are not personal: {unmarked}")


def test_the_explanations_name_columns_that_exist_and_are_not_marked():
    columns = {f"{t.name}.{c.name}": c for t in db.metadata.sorted_tables for c in t.columns}
    stale = [name for name in NOT_PERSONAL if name not in columns or columns[name].info.get("personal")]
    assert stale == []


def test_the_inventory_finds_the_persons_tables_from_the_foreign_keys():
    owned = {o.table.name: o for o in inventory.owned_tables()}
    assert {"people", "memberships", "dues_payments", "users", "recovery_codes", "account_tokens", "group_leaders",
            "group_participants", "attendance", "training_records", "accreditations", "accreditation_decisions",
            "certificates", "reminders_sent"} <= set(owned)
    # A certificate names its holder itself (an attendance certificate has no accreditation).
    assert owned["dues_payments"].parent == "memberships" and owned["certificates"].column.name == "person_id"
    assert "audit_events" not in owned and "groups" not in owned and "form_submissions" not in owned
    order = [o.table.name for o in inventory.owned_tables()]
    assert all(order.index(o.parent) < order.index(name) for name, o in owned.items() if o.parent)


def test_people_users_and_free_text_are_marked():
    marked = inventory.marked()
    assert {"given_name", "family_name", "email", "phone", "city"} <= set(marked["people"])
    assert marked["users"] == ["email"]
    assert "rendered_from" in marked["certificates"] and "reason" in marked["accreditation_decisions"]
    assert {"content"} <= set(marked["import_files"]) and "message" in marked["import_row_errors"]
