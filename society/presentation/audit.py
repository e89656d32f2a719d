"""How the audit trail reads: a label for every record type, action and field, and how each
field's values are shown (dates in the reader's locale, yes/no, codes by their labels).

``services/platform/audit_trail.readable`` applies it; names behind foreign keys are looked up
there, once per page. A field missing here still shows, under a label made from its name.
"""
from flask_babel import lazy_gettext as _l

from .accreditation import ACTION_LABELS as DECISION_LABELS, STATUS_LABELS as ACCREDITATION_STATUS_LABELS
from .groups import LABELS as GROUP_LABELS
from .members import CATEGORY_LABELS, END_REASON_LABELS, PROFESSION_LABELS
from .qualifications import QUALIFICATION_LABELS
from .rules import CONDITION_LABELS, KIND_LABELS, UNIT_LABELS, WINDOW_LABELS

# Never shown, not even as "changed" (secrets are stored masked; a row's own id says nothing); all stay in the raw data.
HIDDEN_FIELDS = frozenset({"id", "password_hash", "session_token", "calendar_token_hash", "pdf_path", "evidence_path", "rendered_from", "content"})

# The fields a log-in itself changes on its own account (see ``readable``'s actor rule).
LOGIN_FIELDS = frozenset({"last_login_at", "password_hash", "session_token"})

ENTITY_LABELS = {
    "Accreditation": _l("Accreditation"), "AccreditationDecision": _l("Accreditation decision"),
    "Attendance": _l("Attendance"), "AuditEvent": _l("Audit trail"), "Certificate": _l("Certificate"),
    "DuesPayment": _l("Dues"), "Flag": _l("Flag"), "Group": _l("Group"), "GroupAudience": _l("Audience"),
    "GroupLeader": _l("Leader"), "GroupParticipant": _l("Participant"), "GroupSession": _l("Session"),
    "ImportBatch": _l("Import"), "ImportFile": _l("Import file"), "ImportRowError": _l("Import error"),
    "JobRun": _l("Job run"), "Membership": _l("Membership"), "Person": _l("Person"),
    "PersonQualification": _l("Qualification"),
    "ReminderSent": _l("Reminder"), "Requirement": _l("Requirement"), "RuleSet": _l("Rule set"),
    "RuleSetVersion": _l("Rule set version"), "SchedulerLease": _l("Scheduler lease"), "Society": _l("Society"),
    "TrainingRecord": _l("Training record"), "User": _l("Account"),
    "ParticipantChoice": _l("Participant credential"), "ImportRow": _l("Import row"),
    "WebhookSubscription": _l("Webhook subscription"), "WebhookEvent": _l("Webhook event"),
    "WebhookDelivery": _l("Webhook delivery"), "RetainedRecord": _l("Record kept after erasure"),
    "RecoveryCode": _l("Recovery code"), "PaymentImport": _l("Bank payment file"),
    "AccountToken": _l("Account link"), "DuesReminderSent": _l("Dues reminder"),
    "SessionException": _l("Calendar change"), "FormSubmission": _l("Form submission"),
    "SupervisorListing": _l("Supervisor listing"), "GroupOpenness": _l("Openness to new members"),
    "DirectorySummary": _l("Directory summary"),
}

ACTION_LABELS = {
    "create": _l("added"), "update": _l("changed"), "delete": _l("removed"), "login": _l("logged in"),
    "logout": _l("logged out"), "login_failed": _l("log-in failed"), "export": _l("exported"),
    "raise_dues": _l("dues raised"), "import": _l("imported"), "evidence_download": _l("evidence downloaded"),
    "certificates_zip": _l("certificates downloaded"), "seed_demo": _l("demo data loaded"),
    "erase": _l("personal data erased"), "privacy_export": _l("personal data exported"),
    "retention": _l("retention rules applied"), "retention_dry_run": _l("retention dry run"),
}

FIELD_LABELS = {
    "active": _l("Active"), "address": _l("Address"), "audience": _l("For"),
    "cme_points_per_hour": _l("CME points per hour"), "cme_recognised": _l("CME recognised"),
    "cme_recognised_by": _l("CME recognised by"), "default_language": _l("Default language"),
    "dues_grace_days": _l("Grace days for dues"), "dues_overdue_days": _l("Overdue notices (days after)"),
    "dues_reminder_days": _l("Renewal reminders (days before)"), "erased_at": _l("Erased at"),
    "events": _l("Events"), "finder_frame_ancestors": _l("Sites that may embed the finder"),
    "group_max_leaders": _l("Most leaders per group"), "group_max_size": _l("Largest group"),
    "group_min_leaders": _l("Fewest leaders per group"), "group_min_size": _l("Smallest group"),
    "keep_until": _l("Kept until"), "languages": _l("Languages"), "meeting_time": _l("Meeting time"),
    "meeting_weekday": _l("Meeting day"), "moved_to": _l("Moved to"), "note": _l("Note"),
    "occurs_on": _l("Occurrence"), "open_places": _l("Open places"), "payment_reference": _l("Payment reference"),
    "payment_reference_scheme": _l("Payment reference scheme"), "period_end": _l("Period ends"),
    "period_start": _l("Period starts"), "require_admin_2fa": _l("Two-factor required for administrators"),
    "retention_decision_years": _l("Keep accreditation decisions (years)"),
    "retention_dues_years": _l("Keep paid dues (years)"), "retention_flag_years": _l("Keep resolved flags (years)"),
    "retention_import_days": _l("Keep import files (days)"),
    "retention_left_member_years": _l("Keep members who left (years)"),
    "retention_login_days": _l("Keep log-in events (days)"), "setting": _l("Setting"), "term": _l("Term"),
    "timezone": _l("Time zone"), "unsubscribed_on": _l("Unsubscribed on"), "url": _l("Address (URL)"),
    "website": _l("Website"), "provider": _l("Provider"), "report_kind": _l("Report kind"),
    "days": _l("Days"), "outside_group": _l("Group outside the registry"),
    "tags": _l("Further facts"), "certificate_signatories": _l("Certificate signatories"), "logo_filename": _l("Logo"),
    "accepting_members": _l("Accepting members"), "accreditation_id": _l("Accreditation"),
    "acknowledged_at": _l("Acknowledged at"), "acknowledged_by_id": _l("Acknowledged by"),
    "acknowledgement_note": _l("Acknowledgement note"), "also_counts": _l("Also counts as"),
    "amount": _l("Amount"), "applied_at": _l("Applied at"), "applies_if": _l("Applies if"),
    "batch_id": _l("Import"), "category": _l("Category"), "cause": _l("Cause"), "city": _l("City"),
    "clause": _l("Clause"), "code": _l("Code"), "committed_at": _l("Committed at"),
    "countersigned_at": _l("Countersigned at"), "countersigned_by_id": _l("Countersigned by"),
    "country": _l("Country"), "created_by_id": _l("Created by"), "credential_title": _l("Credential"),
    "currency": _l("Currency"), "decided_at": _l("Decided at"), "decided_by_id": _l("Decided by"),
    "decision_reason": _l("Reason for the decision"), "description": _l("Description"), "details": _l("Details"),
    "due_on": _l("Due on"), "effective_from": _l("In force from"), "effective_to": _l("In force until"),
    "email": _l("E-mail"), "end_reason": _l("Reason for ending"), "ended_on": _l("Ended on"),
    "ends_on": _l("Last day"), "error_count": _l("Rows with errors"), "evidence_name": _l("Evidence file"),
    "evidence_type": _l("Evidence file type"), "expires_on": _l("Expires on"), "family_name": _l("Family name"),
    "filename": _l("File"), "filters": _l("Filters"), "format": _l("Format"), "given_name": _l("Given name"),
    "granted_on": _l("Granted on"), "group_id": _l("Group"), "held_on": _l("Held on"),
    "imported_count": _l("Rows imported"), "in_person": _l("In person"), "in_person_only": _l("In person only"),
    "invalid_from": _l("Invalid from"), "is_enabled": _l("Account enabled"), "is_trainee": _l("Trainee"),
    "issued_on": _l("Issued on"), "joined_on": _l("Joined on"), "kind": _l("Kind"), "label": _l("Label"),
    "language": _l("Language"), "last_login_at": _l("Last log-in"), "membership_id": _l("Membership"),
    "memberships": _l("Memberships"), "message": _l("Message"), "minimum": _l("Minimum"),
    "minutes": _l("Minutes"), "minutes_per_unit": _l("Minutes per unit"), "name": _l("Name"),
    "notes": _l("Notes"), "number": _l("Number"), "occurred_on": _l("Date"), "option": _l("Option"),
    "paid_on": _l("Paid on"), "password_changed_at": _l("Password changed at"),
    "pace_leading_per_year": _l("Leading per year"), "pace_supervision_per_year": _l("Supervision per year"),
    "period": _l("Period"), "person_id": _l("Person"), "phone": _l("Phone"), "profession": _l("Profession"),
    "psychodynamically_trained": _l("Psychodynamically trained"),
    "psychotherapy_qualified_on": _l("Qualified in psychotherapy on"), "public_reason": _l("Public reason"),
    "reason": _l("Reason"), "recorded_by_id": _l("Recorded by"), "reference": _l("Reference"),
    "rejection_reason": _l("Reason for rejection"), "requires_accredited_leader": _l("Accredited leader required"),
    "revoked_at": _l("Revoked at"), "revoked_reason": _l("Reason for revoking"), "rhythm": _l("Rhythm"),
    "role": _l("Role"), "rule_set_id": _l("Rule set"), "rule_set_version_id": _l("Rule set version"),
    "session_id": _l("Session"), "session_minutes": _l("Session length (minutes)"), "severity": _l("Severity"),
    "society_id": _l("Society"), "source": _l("Source"), "starts_on": _l("First day"), "status": _l("Status"),
    "subject_id": _l("Subject"), "subject_type": _l("Subject type"), "supervisor_id": _l("Supervisor"),
    "title": _l("Title"), "total_rows": _l("Rows"), "training_started_on": _l("Training started on"),
    "unit": _l("Unit"), "units": _l("Units"), "validity_months": _l("Valid for (months)"),
    "version_id": _l("Rule set version"), "warning_days": _l("Warning days before expiry"),
    "window_kind": _l("Window"), "window_months": _l("Window (months)"),
    "with_accredited_leader": _l("With an accredited leader"),
    # a person's qualifications
    "obtained_on": _l("Obtained on"), "verified_at": _l("Verified at"),
    "verified_by_id": _l("Verified by"),
    # the society's list of supervisors
    "listed_from": _l("Listed from"), "listed_until": _l("Listed until"),
    # a group's openness history
    "set_by_id": _l("Set by"),
}

RECORD_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected")}
RECORD_SOURCE_LABELS = {"self": _l("Logged by the leader"), "attendance": _l("From attendance"),
                        "admin": _l("Entered by an administrator"), "import": _l("Imported")}
USER_ROLE_LABELS = {"admin": _l("Administrator"), "leader": _l("Leader"), "member": _l("Member")}

# Codes by their labels: (record type, field) first, then the field alone.
VALUE_LABELS = {
    ("Accreditation", "status"): ACCREDITATION_STATUS_LABELS,
    ("AccreditationDecision", "action"): DECISION_LABELS,
    ("AccreditationDecision", "from_status"): ACCREDITATION_STATUS_LABELS,
    ("AccreditationDecision", "to_status"): ACCREDITATION_STATUS_LABELS,
    ("Group", "status"): GROUP_LABELS["status"],
    ("GroupAudience", "profession"): GROUP_LABELS["profession"],
    ("PersonQualification", "code"): QUALIFICATION_LABELS,
    ("TrainingRecord", "status"): RECORD_STATUS_LABELS,
    ("TrainingRecord", "source"): RECORD_SOURCE_LABELS,
    ("User", "role"): USER_ROLE_LABELS,
    "format": GROUP_LABELS["format"], "rhythm": GROUP_LABELS["rhythm"], "role": GROUP_LABELS["role"],
    "profession": PROFESSION_LABELS, "category": CATEGORY_LABELS, "end_reason": END_REASON_LABELS,
    "kind": KIND_LABELS, "unit": UNIT_LABELS, "window_kind": WINDOW_LABELS, "applies_if": CONDITION_LABELS,
}


def entity_label(entity_type: str) -> str:
    return str(ENTITY_LABELS.get(entity_type, entity_type))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action.replace("_", " ")))


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    if label is not None:
        return str(label)
    # Unknown to the catalogue: still readable ("recorded_by_id" -> "Recorded by").
    words = field[:-3] if field.endswith("_id") else field
    return words.replace("_", " ").capitalize()


def value_labels(entity_type: str, field: str) -> dict | None:
    return VALUE_LABELS.get((entity_type, field)) or VALUE_LABELS.get(field)
