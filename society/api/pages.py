"""Pages of a list: the pagination object and its headers."""
import functools
import json
import math
from datetime import date, datetime

from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import iter_multi_items

QUERY_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unescaped in a built URL's query (WHATWG's percent-encode set)


# The pagination object holds numbers and nulls only: written as the app's JSON provider writes it (keys
# sorted), with one encoder kept rather than one built for every page.
_numbers_json = json.JSONEncoder(sort_keys=True).encode


def pagination(total: int, page: int, per_page: int) -> dict:
    total_pages = max(1, math.ceil(total / per_page))
    return {
        "total": total, "total_pages": total_pages, "first_page": 1, "last_page": total_pages,
        "page": page, "per_page": per_page,
        "previous_page": min(page - 1, total_pages) if page > 1 else None,
        "next_page": page + 1 if page < total_pages else None,
    }


def joined_page(items: list[bytes], pagination: str) -> bytes:
    """A page's body from its items already serialised (stored JSON, UTF-8) and its pagination object
    already dumped (X-Pagination's text): the bytes ``answer`` would write for
    ``{"items": [...], "pagination": ...}``, without parsing or dumping anything again."""
    return b'{"items": [' + b", ".join(items) + b'], "pagination": ' + pagination.encode() + b"}"


def paged(endpoint: str, args: dict, total: int, **values) -> tuple[dict, dict]:
    """The pagination object and its headers (X-Pagination, Link) for a page of ``endpoint``."""
    return paged_at(url_for(endpoint, **values), args, total)


def paged_at(path: str, args: dict, total: int) -> tuple[dict, dict]:
    """``paged`` for the list at ``path`` (as ``url_for`` builds it): no request context needed."""
    info = pagination(total, args["page"], args["per_page"])

    # The page number is the only part of a list's links that changes from page to page.
    query = tuple((name, 0 if name == "page" else tuple(value) if isinstance(value, list) else value)
                  for name, value in args.items() if value is not None)
    before, after = _link_around_page(path, query)

    def link(page: int, rel: str) -> str:
        return f'{before}{page}{after}; rel="{rel}"'

    links = [link(1, "first")]
    if info["previous_page"]:
        links.append(link(info["previous_page"], "prev"))
    if info["next_page"]:
        links.append(link(info["next_page"], "next"))
    links.append(link(info["last_page"], "last"))
    headers = {"Link": ", ".join(links), "X-Pagination": _numbers_json(info)}
    return info, headers


@functools.lru_cache(maxsize=1024)
def _link_around_page(path: str, query: tuple) -> tuple[str, str]:
    """A link to a page of the list at ``path`` asked with ``query`` (its parsed arguments, in order), as
    ``url_for`` would write it, split where its page number goes: a crawl asks the same filters again
    and again, each page with a new number."""
    pieces = [None if name == "page" else urlencode([(name, value)], safe=QUERY_SAFE)
              for name, value in iter_multi_items(_query_strings(dict(query) | {"page": 0})) if value is not None]
    at = pieces.index(None)
    return (f"<{path}?" + "".join(piece + "&" for piece in pieces[:at]) + "page=",
            "".join("&" + piece for piece in pieces[at + 1:]) + ">")


def _query_strings(query: dict) -> dict:
    def text(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (date, datetime)):
            return value.isoformat()
        return value

    return {name: [text(v) for v in value] if isinstance(value, (list, tuple)) else text(value)
            for name, value in query.items()}
