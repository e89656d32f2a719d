"""Pages of a list: the pagination object and its headers."""
import math
from datetime import date, datetime

from urllib.parse import urlencode

from flask import current_app, url_for
from werkzeug.datastructures import iter_multi_items

QUERY_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unescaped in a built URL's query (WHATWG's percent-encode set)


def pagination(total: int, page: int, per_page: int) -> dict:
    total_pages = max(1, math.ceil(total / per_page))
    return {
        "total": total, "total_pages": total_pages, "first_page": 1, "last_page": total_pages,
        "page": page, "per_page": per_page,
        "previous_page": min(page - 1, total_pages) if page > 1 else None,
        "next_page": page + 1 if page < total_pages else None,
    }


def joined_page(items: list[str], pagination: dict) -> bytes:
    """A page's body from its items already serialised (stored JSON texts): the bytes ``answer``
    would write for ``{"items": [...], "pagination": ...}``, without parsing or dumping the items."""
    return ('{"items": [' + ", ".join(items) + '], "pagination": ' + current_app.json.dumps(pagination)
            + "}").encode()


def paged(endpoint: str, args: dict, total: int, **values) -> tuple[dict, dict]:
    """The pagination object and its headers (X-Pagination, Link) for a page of ``endpoint``."""
    info = pagination(total, args["page"], args["per_page"])

    # The path built once, each link's query added as url_for would write it (a route's build costs more
    # than the rest of the headers together).
    path = url_for(endpoint, **values)
    query = _query_strings({name: value for name, value in args.items() if value is not None})

    # Each pair encoded once (None: the page number's place); a link only puts its page number in.
    pieces = [None if name == "page" else urlencode([(name, value)], safe=QUERY_SAFE)
              for name, value in iter_multi_items({**query, "page": 0}) if value is not None]

    def link(page: int, rel: str) -> str:
        encoded = "&".join(f"page={page}" if piece is None else piece for piece in pieces)
        return f'<{path}?{encoded}>; rel="{rel}"'

    links = [link(1, "first")]
    if info["previous_page"]:
        links.append(link(info["previous_page"], "prev"))
    if info["next_page"]:
        links.append(link(info["next_page"], "next"))
    links.append(link(info["last_page"], "last"))
    headers = {"Link": ", ".join(links), "X-Pagination": current_app.json.dumps(info)}
    return info, headers


def _query_strings(query: dict) -> dict:
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value

    return {name: [text(v) for v in value] if isinstance(value, (list, tuple)) else text(value)
            for name, value in query.items()}
