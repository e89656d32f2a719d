"""The administrator's webhooks page: subscriptions (add, disable, enable) and recent deliveries
with their status, attempts and last error, and "resend"."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from ...access import admin_society_id, roles_required
from ...extensions import db
from ...models.webhooks import WEBHOOK_EVENT_TYPES
from ...schemas.base import load_form
from ...schemas.webhooks import SubscriptionSchema, WebhookActionSchema
from ...services.platform import webhooks
from . import bp

EVENT_LABELS = {
    "group.created": _l("Group created"), "group.changed": _l("Group changed"), "group.closed": _l("Group closed"),
    "group.accreditation_lost": _l("Group lost its accredited status"),
    "group.accreditation_regained": _l("Group regained its accredited status"),
    "accreditation.granted": _l("Accreditation granted"), "accreditation.expired": _l("Accreditation expired"),
    "accreditation.suspended": _l("Accreditation suspended"), "accreditation.revoked": _l("Accreditation revoked"),
    "certificate.revoked": _l("Certificate revoked"),
}
STATUS_LABELS = {"pending": _l("waiting"), "delivering": _l("being sent"), "delivered": _l("delivered"),
                 "failed": _l("failed")}
STATUS_COLOURS = {"pending": "secondary", "delivering": "info", "delivered": "success", "failed": "danger"}


def _page(values=None, errors=None, status=200):
    society_id = admin_society_id()
    return render_template(
        "webhooks/index.html", subscriptions=webhooks.subscriptions_of(society_id),
        deliveries=webhooks.recent_deliveries(society_id), counts=webhooks.counts_by_status(society_id),
        event_types=[(name, EVENT_LABELS[name]) for name in WEBHOOK_EVENT_TYPES], event_labels=EVENT_LABELS,
        status_labels=STATUS_LABELS, status_colours=STATUS_COLOURS, values=values or {}, errors=errors or {}), status


@bp.route("/")
@roles_required("admin")
def index():
    return _page()


@bp.route("/", methods=["POST"])
@roles_required("admin")
def subscribe():
    data, errors = load_form(SubscriptionSchema(), request.form)
    if errors:
        values = {"url": request.form.get("url", ""), "secret": request.form.get("secret", ""),
                  "events": request.form.getlist("events")}
        return _page(values, errors, 422)
    webhooks.subscribe(admin_society_id(), data["url"], secret=data["secret"], events=data["events"])
    db.session.commit()
    flash(_("The subscription has been added. Its secret is shown in the list: give it to the receiving system."),
          "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/<int:subscription_id>/<any(enable, disable):action>", methods=["POST"])
@roles_required("admin")
def set_active(subscription_id: int, action: str):
    _data, errors = load_form(WebhookActionSchema(), request.form)
    subscription = webhooks.get_subscription(subscription_id, admin_society_id())
    if errors or subscription is None:
        abort(404)
    webhooks.set_active(subscription, action == "enable")
    db.session.commit()
    flash(_("The subscription is active.") if action == "enable" else _("The subscription is disabled."), "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/deliveries/<int:delivery_id>/resend", methods=["POST"])
@roles_required("admin")
def resend(delivery_id: int):
    _data, errors = load_form(WebhookActionSchema(), request.form)
    if errors:
        abort(400)
    if not webhooks.resend(delivery_id, admin_society_id()):
        abort(404)
    db.session.commit()
    flash(_("The event will be sent again within a few seconds."), "success")
    return redirect(url_for("webhooks.index"))
