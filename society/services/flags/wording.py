"""A flag in the reader's language, from its kind, cause and details.

The lapse scan stores an English message on each flag (for logs and mail, written where no
reader is known); the inbox and its CSV export word the flag again from the data it holds, in
the language of whoever reads it, falling back to the stored message for causes with no wording.
"""
import json

from flask_babel import gettext as _, ngettext

from ...formatting import format_day, format_number
from ..groups import norms


def details_of(flag) -> dict:
    """The flag's details (JSON written by the scan), or nothing when they cannot be read."""
    try:
        return json.loads(flag.details) if flag.details else {}
    except ValueError:
        return {}


def _date(value) -> str:
    """A day (or the scan's ISO text of one) in the interface's one date style."""
    try:
        return format_day(value) if value else ""
    except ValueError:
        return str(value)


def _number(value) -> str:
    try:
        return format_number(value)
    except ArithmeticError:
        return str(value)


def describe(flag, labels: dict) -> str:
    """The flag's cause in the reader's language, from its kind, cause and details."""
    d = details_of(flag)
    kind, cause = flag.kind, flag.cause
    if kind == "accreditation_expiring":
        days = d.get("days_left")
        if not isinstance(days, int):
            return _("Expires on %(date)s (the %(lead)s-day warning).", date=_date(flag.due_on), lead=d.get("lead_days", "?"))
        return ngettext("Expires on %(date)s, in %(num)s day (the %(lead)s-day warning).",
                        "Expires on %(date)s, in %(num)s days (the %(lead)s-day warning).",
                        days, date=_date(flag.due_on), lead=d.get("lead_days", "?"))
    if kind == "accreditation_expired":
        return _("Expired on %(date)s and not renewed.", date=_date(flag.due_on) or cause)
    if kind == "membership_lapsed":
        if flag.subject_type == "person":
            return _("Leads a group but is not a member of the society.")
        return _("Leads a group but the membership ended on %(date)s.", date=_date(d.get("ended_on")))
    if kind == "dues_lapsed":
        return _("Leads a group; dues for %(period)s, due on %(date)s, are unpaid after %(grace)s days' grace.",
                 period=d.get("period", ""), date=_date(d.get("due_on")), grace=d.get("grace_days", ""))
    if kind == "trainee_behind_pace":
        what = _("supervision") if cause == "supervision" else _("leading and co-leading")
        return _("Behind the %(what)s pace: %(done)s of %(expected)s units after %(years)s year(s) of training.",
                 what=what, done=_number(d.get("done", "?")), expected=_number(d.get("expected", "?")),
                 years=_number(d.get("years", "?")))
    if kind == "group_unaccredited":
        return _("No leader of the group holds a valid accreditation.")
    if kind == "group_losing_accreditation":
        return _("No accredited leader from %(date)s, unless an accreditation is renewed.", date=_date(flag.due_on))
    if kind == "trainee_unsupervised":
        name = labels.get(("person", d.get("person_id")), _("a trainee"))
        return _("%(name)s, a trainee, leads with no accredited co-leader.", name=name)
    if kind == "group_norms":
        return norms.describe(cause, d.get("actual", "?"), d.get("norm", "?")) or flag.message
    return flag.message
