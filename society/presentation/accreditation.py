"""How accreditation statuses and decisions read on the pages (translated where shown), and their colours."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "in_training": _l("in training"), "applied": _l("applied"), "granted": _l("granted"),
    "suspended": _l("suspended"), "revoked": _l("revoked"), "expired": _l("expired"), "rejected": _l("rejected"),
}
STATUS_COLOURS = {
    "in_training": "secondary", "applied": "info", "granted": "success", "suspended": "warning",
    "revoked": "danger", "expired": "dark", "rejected": "danger",
}
ACTION_LABELS = {
    "start": _l("Pathway started"), "apply": _l("Applied"), "grant": _l("Granted"), "reject": _l("Rejected"),
    "renew": _l("Renewed"), "suspend": _l("Suspended"), "revoke": _l("Revoked"), "reinstate": _l("Reinstated"),
    "expire": _l("Expired"), "move_version": _l("Moved to another version"),
}
BUTTON_LABELS = {
    "apply": _l("Enter an application"), "grant": _l("Grant"), "reject": _l("Reject"), "renew": _l("Renew"),
    "suspend": _l("Suspend"), "revoke": _l("Revoke"), "reinstate": _l("Reinstate"), "expire": _l("Mark expired"),
    "move_version": _l("Move to version"),
}
