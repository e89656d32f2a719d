"""The navigation bar: each blueprint adds its entries for the roles that use it.

An entry may name a ``menu`` (e.g. ``navigation.MORE``): entries sharing one are drawn as a
dropdown, so an administrator's bar fits a 1280 px laptop in every language.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

MORE = _l("More")  # the administrator's less frequent pages


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]
    prefix: str
    order: int = 50
    when: Callable | None = None  # shown only to users for whom when(user) is true
    menu: object = None  # a lazy label: the dropdown this entry belongs to, None on the bar itself
    in_account_for: tuple[str, ...] = ()  # roles that find it in the Account menu, not on the bar


@dataclass
class NavMenu:
    """A dropdown in the bar, after the plain entries."""
    label: str
    items: list[NavItem] = field(default_factory=list)

    def is_active(self, endpoint: str | None) -> bool:
        return bool(endpoint) and any(endpoint.startswith(item.prefix) for item in self.items)


_items: list[NavItem] = []


def add(endpoint: str, label: str, roles: tuple[str, ...], order: int = 50, prefix: str | None = None,
        when: Callable | None = None, menu=None, in_account_for: tuple[str, ...] = ()) -> None:
    """``prefix``: the endpoints that mark the entry active (default: the whole blueprint);
    ``when(user)``: a further condition for showing it (e.g. only leaders who may countersign);
    ``menu``: the dropdown it belongs to (``MORE``), else the bar itself;
    ``in_account_for``: roles whose bar is full, who find the entry in the Account menu instead."""
    prefix = prefix or endpoint.split(".")[0] + "."
    if not any(item.endpoint == endpoint for item in _items):
        _items.append(NavItem(endpoint, label, roles, prefix, order, when=when, menu=menu,
                              in_account_for=in_account_for))


def nav_items(user) -> list[NavItem]:
    from flask_babel import gettext

    # A label is a lazy translation (_l) or a msgid marked for extraction (N_).
    return [
        NavItem(item.endpoint, gettext(item.label) if isinstance(item.label, str) else str(item.label),
                item.roles, item.prefix, item.order, menu=item.menu, in_account_for=item.in_account_for)
        for item in sorted(_items, key=lambda i: i.order)
        if user.role in item.roles and (item.when is None or item.when(user))
    ]


def nav_entries(user) -> list[NavItem | NavMenu]:
    """The bar as drawn: the plain entries in order, then each menu (its entries in order)."""
    entries: list[NavItem | NavMenu] = []
    menus: dict[str, NavMenu] = {}
    for item in nav_items(user):
        if user.role in item.in_account_for:
            continue
        if item.menu is None:
            entries.append(item)
        else:
            menus.setdefault(str(item.menu), NavMenu(str(item.menu))).items.append(item)
    return entries + list(menus.values())


def account_entries(user) -> list[NavItem]:
    """The entries this user finds in the Account menu, after the account's own pages."""
    return [item for item in nav_items(user) if user.role in item.in_account_for]


# Where each role's work starts ("admin" -> the dashboard); the home page redirects there.
landing: dict[str, str] = {}


def set_landing(role: str, endpoint: str) -> None:
    landing[role] = endpoint
