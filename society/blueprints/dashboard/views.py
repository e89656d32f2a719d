"""The administrator's home page."""
from datetime import date

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from ...access import roles_required
from ...presentation.groups import LABELS
from ...services.platform import dashboard
from . import bp
from .charts import bar_chart

# Where each count leads: the first endpoint that exists (other blueprints own these pages).
# Each count is the total of the list it links to (services/platform/dashboard.attention).
ATTENTION_LINKS = {
    "open_flags": (("flags.inbox", {}),),
    "pending_records": (("ledger.review", {}),),
    "applications": (("accreditation.applications", {}),),
    "dues_overdue": (("members.index", {"status": "dues_overdue"}),),
    "dues_lapsed": (("members.index", {"status": "lapsed"}),),
}


def link_for(key: str) -> str | None:
    for endpoint, args in ATTENTION_LINKS[key]:
        try:
            return url_for(endpoint, **args)
        except BuildError:
            continue
    return None


def quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def build_charts(society, today: date) -> list:
    days, by_category = dashboard.members_by_category(society.id, today)
    statuses = dashboard.groups_by_status(society.id)
    months, expiring = dashboard.expiring_per_month(society.id, today)
    return [
        bar_chart("chart-members", _("Members by category"),
                  _("Members of each category at the end of each quarter over the last three years."),
                  [quarter_label(day) for day in days],
                  [(str(LABELS["category"][category]), counts) for category, counts in by_category.items()]),
        bar_chart("chart-groups", _("Groups by status"), _("How many of the society's groups are in each status."),
                  [str(LABELS["status"][status]) for status in statuses], [(_("Groups"), list(statuses.values()))]),
        bar_chart("chart-expiring", _("Accreditations expiring"),
                  _("Accreditations valid today that expire in each of the next 24 months."),
                  [month.strftime("%Y-%m") for month in months], [(_("Accreditations"), expiring)]),
    ]


@bp.route("/")
@roles_required("admin")
def index():
    society = current_user.society
    today = date.today()
    attention = dashboard.attention(society, today)
    lapsed = dict(key="dues_lapsed", count=attention.dues_lapsed, url=link_for("dues_lapsed"),
                  label=_("%(n)s lapsed: unpaid beyond the %(days)s-day grace period", n=attention.dues_lapsed,
                          days=society.dues_grace_days))
    items = [
        ("open_flags", _("Open flags"), attention.open_flags, None),
        ("pending_records", _("Training records to review"), attention.pending_records, None),
        ("applications", _("Applications awaiting a decision"), attention.applications, None),
        ("dues_overdue", _("Members with dues overdue"), attention.dues_overdue, lapsed),
    ]
    cards = [dict(key=key, label=label, count=count, note=note, url=link_for(key)) for key, label, count, note in items]
    return render_template("dashboard/index.html", society=society, cards=cards, charts=build_charts(society, today),
                           today=today)
