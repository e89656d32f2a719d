"""How the groups' codes (status, format, rhythm, roles, professions, categories) read on the pages."""
from flask_babel import lazy_gettext as _l

# What the codes are called on the pages (lazy: translated when shown).
LABELS = {
    "status": {"forming": _l("Forming"), "active": _l("Active"), "paused": _l("Paused"), "closed": _l("Closed")},
    "format": {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")},
    "rhythm": {"weekly": _l("Weekly"), "fortnightly": _l("Fortnightly"), "monthly": _l("Monthly"), "other": _l("Other")},
    "role": {"leader": _l("Leader"), "co_leader": _l("Co-leader"), "participant": _l("Participant")},
    "profession": {
        "gp": _l("General practitioners"), "resident": _l("Residents"), "psychiatrist": _l("Psychiatrists"),
        "psychologist": _l("Psychologists"), "physiotherapist": _l("Physiotherapists"), "nurse": _l("Nurses"),
        "psychotherapist": _l("Psychotherapists"), "physician": _l("Physicians"),
        "social_worker": _l("Social workers"), "other": _l("Other professions"),
    },
    "setting": {"primary_care": _l("Primary care centre"), "private_practice": _l("Private practice"),
                "residency": _l("Residency programme"), "hospital": _l("Hospital"), "other": _l("Other setting")},
    "term": {"ongoing": _l("Ongoing"), "time_limited": _l("Time-limited")},
    "weekday": {0: _l("Monday"), 1: _l("Tuesday"), 2: _l("Wednesday"), 3: _l("Thursday"), 4: _l("Friday"),
                5: _l("Saturday"), 6: _l("Sunday")},
    "exception": {"cancelled": _l("Cancelled"), "moved": _l("Moved")},
    "category": {"full": _l("Full"), "associate": _l("Associate"), "trainee": _l("Trainee"), "student": _l("Student"),
                 "retired": _l("Retired"), "honorary": _l("Honorary")},
}


def choices(kind: str) -> list[tuple[str, str]]:
    """(code, label) pairs for a select."""
    return [(code, str(label)) for code, label in LABELS[kind].items()]
