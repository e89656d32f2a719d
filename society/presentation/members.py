"""How codes read on the members' pages (translated where shown)."""
from flask_babel import lazy_gettext as _l

PROFESSION_LABELS = {
    "gp": _l("General practitioner"), "resident": _l("Resident"), "psychiatrist": _l("Psychiatrist"),
    "psychologist": _l("Psychologist"), "physiotherapist": _l("Physiotherapist"), "nurse": _l("Nurse"),
    "psychotherapist": _l("Psychotherapist"), "physician": _l("Physician"), "social_worker": _l("Social worker"),
    "other": _l("Other"),
}
CATEGORY_LABELS = {
    "full": _l("Full"), "associate": _l("Associate"), "trainee": _l("Trainee"), "student": _l("Student"),
    "retired": _l("Retired"), "honorary": _l("Honorary"),
}
STATUS_LABELS = {
    "active": _l("Active"), "dues_overdue": _l("Dues overdue"), "lapsed": _l("Lapsed"),
    "resigned": _l("Resigned / ended"),
}
STATUS_BADGES = {"active": "success", "dues_overdue": "warning", "lapsed": "danger", "resigned": "secondary"}
END_REASON_LABELS = {
    "resigned": _l("Resigned"), "lapsed": _l("Lapsed"), "deceased": _l("Deceased"), "expelled": _l("Expelled"),
}
SORT_LABELS = {
    "name": _l("Name (A-Z)"), "-name": _l("Name (Z-A)"), "joined": _l("Joined (oldest first)"),
    "-joined": _l("Joined (newest first)"), "category": _l("Category (A-Z)"), "-category": _l("Category (Z-A)"),
}


def _plain(labels: dict) -> dict:
    # Translated once per request, not once per row.
    return {code: str(text) for code, text in labels.items()}


def all_labels() -> dict:
    return dict(profession_labels=_plain(PROFESSION_LABELS), category_labels=_plain(CATEGORY_LABELS),
                status_labels=_plain(STATUS_LABELS), status_badges=STATUS_BADGES,
                end_reason_labels=_plain(END_REASON_LABELS), sort_labels=_plain(SORT_LABELS))
