"""Thin views: parse the query through its schema, ask the directory service, answer
through the shared cached, conditional machinery of ``society/api.py``."""

from flask import abort, url_for
from flask.views import MethodView

from ... import api
from ...access import PUBLIC
from ...api.calendars import calendar_response
from ...schemas.directory import GroupPageSchema, GroupQuerySchema, GroupSchema, SocietyPageSchema, SocietyQuerySchema
from ...services.groups import calendar_feeds, directory, summaries
from ...services.platform import http_cache
from ...services.platform.http_cache import DataVersion
from . import api_bp

# Instances, not classes: webargs would build (and deep-copy) a schema on every request.
_group_query, _society_query = GroupQuerySchema(), SocietyQuerySchema()
_society_page = SocietyPageSchema()


@api_bp.route("/groups", parameters=api.CONDITIONAL_PARAMETERS)
class Groups(MethodView):
    _access = (PUBLIC,)

    @api_bp.arguments(_group_query, location="query")
    @api_bp.response(200, GroupPageSchema, headers=api.PAGE_HEADERS)
    @api_bp.alt_response(304, description="Not modified since the validators you sent.", success=True)
    @api_bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def get(self, args):
        """List groups

        Filter, page (`page`, `per_page` up to 100) and revalidate (ETag / If-None-Match).
        Ordered by name, then id. Closed groups are listed only when `status=closed` is asked for."""
        day = http_cache.today()
        version = directory.groups_version(day, api.version_reuse())

        def build():
            # Each group's JSON as stored (GroupSchema's dump), joined into the page: nothing to build or dump.
            found = summaries.published_page(args, day, args["page"], args["per_page"], version)
            summaries.commit_refreshed()
            return groups_page(found, args, url_for("directory.Groups"))

        return api.answer("groups", args, version, build)


def kept_groups_page(app, engine, args: dict, path: str) -> tuple[DataVersion, bytes, dict] | None:
    """The page ``Groups.get`` builds, for the API front (``api.front.Lane``), from what this worker
    keeps (the data version it read lately, the list's ids at that version) and the summaries as stored:
    no application context, no query but one read. None when any of them is not at hand: the view
    answers then, and keeps what the next page needs."""
    day = http_cache.today()
    version = directory.kept_groups_version(engine, day)
    in_order = None if version is None else directory.kept_ordered_ids(app, args, day, version)
    if in_order is None:
        return None
    ids, total = summaries.page_of(in_order, args["page"], args["per_page"])
    bodies = summaries.stored(engine, ids, day) if ids else []
    if bodies is None:
        return None
    return version, *groups_page(summaries.Page(bodies, total), args, path)


def groups_page(found: summaries.Page, args: dict, path: str) -> tuple[bytes, dict]:
    """A page's body and its pagination headers, for the list at ``path``."""
    _pagination, headers = api.paged_at(path, args, found.total)
    return api.joined_page(found.bodies, headers["X-Pagination"]), headers


# A crawl's pages, built by the API front before Flask when none is kept.
api.lane("directory.Groups", "groups", _group_query, kept_groups_page)


@api_bp.route("/groups/<int(min=1, max=2147483647):group_id>", parameters=api.CONDITIONAL_PARAMETERS)
class GroupById(MethodView):
    _access = (PUBLIC,)

    @api_bp.response(200, GroupSchema, headers=api.CACHE_HEADERS)
    @api_bp.alt_response(304, description="Not modified since the validators you sent.", success=True)
    @api_bp.alt_response(404, response="NOT_FOUND")
    @api_bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def get(self, group_id):
        """One group

        Any status, closed included."""
        day = http_cache.today()

        def build():
            found = summaries.current([group_id], day)  # GroupSchema's dump, as stored
            summaries.commit_refreshed()
            if not found:
                abort(404, description="There is no group with this id.")
            return found[0], {}

        return api.answer("group", {"id": group_id}, directory.groups_version(day, api.version_reuse()), build)


@api_bp.route("/societies", parameters=api.CONDITIONAL_PARAMETERS)
class Societies(MethodView):
    _access = (PUBLIC,)

    @api_bp.arguments(_society_query, location="query")
    @api_bp.response(200, SocietyPageSchema, headers=api.PAGE_HEADERS)
    @api_bp.alt_response(304, description="Not modified since the validators you sent.", success=True)
    @api_bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def get(self, args):
        """List societies

        The national societies whose groups the directory lists, ordered by code."""
        day = http_cache.today()

        def build():
            societies, total = directory.find_societies(args["page"], args["per_page"])
            pagination, headers = api.paged("directory.Societies", args, total)
            return _society_page.dump({"items": societies, "pagination": pagination}), headers

        return api.answer("societies", args, directory.societies_version(day, api.version_reuse()), build)


CALENDAR_RESPONSE = {"content": {"text/calendar": {"schema": {"type": "string"}}},
                     "description": "iCalendar (RFC 5545): the group's recurring sessions (RRULE) in its time zone "
                                    "(VTIMEZONE), cancelled sessions as EXDATE, moved ones as RECURRENCE-ID events. "
                                    "Empty of events when the group gives no weekday, time and time zone."}


@api_bp.route("/groups/<int(min=1, max=2147483647):group_id>/calendar.ics")
class GroupCalendar(MethodView):
    _access = (PUBLIC,)

    @api_bp.doc(responses={"200": CALENDAR_RESPONSE})
    @api_bp.alt_response(404, response="NOT_FOUND")
    @api_bp.alt_response(429, response="TOO_MANY_REQUESTS")
    def get(self, group_id):
        """A group's sessions as a calendar

        Subscribe to it in any calendar application."""
        body = calendar_feeds.group_calendar(group_id)
        if body is None:
            abort(404, description="There is no group with this id.")
        return calendar_response(body, f"group-{group_id}.ics")
