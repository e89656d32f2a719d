"""The navigation bar: each blueprint adds its entries for the roles that use it."""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]
    prefix: str
    order: int = 50
    when: Callable | None = None  # shown only to users for whom when(user) is true


_items: list[NavItem] = []


def add(endpoint: str, label: str, roles: tuple[str, ...], order: int = 50, prefix: str | None = None,
        when: Callable | None = None) -> None:
    """``prefix``: the endpoints that mark the entry active (default: the whole blueprint);
    ``when(user)``: a further condition for showing it (e.g. only leaders who may countersign)."""
    prefix = prefix or endpoint.split(".")[0] + "."
    if not any(item.endpoint == endpoint for item in _items):
        _items.append(NavItem(endpoint, label, roles, prefix, order, when))


def nav_items(user) -> list[NavItem]:
    from flask_babel import gettext

    # A label is a lazy translation (_l) or a msgid marked for extraction (N_).
    return [
        NavItem(item.endpoint, gettext(item.label) if isinstance(item.label, str) else str(item.label),
                item.roles, item.prefix, item.order)
        for item in sorted(_items, key=lambda i: i.order)
        if user.role in item.roles and (item.when is None or item.when(user))
    ]


# Where each role's work starts ("admin" -> the dashboard); the home page redirects there.
landing: dict[str, str] = {}


def set_landing(role: str, endpoint: str) -> None:
    landing[role] = endpoint
