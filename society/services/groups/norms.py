"""Group norms: how many participants and leaders a society expects in a group.

``check`` is a pure function of two counts and the society's norms: no session, no
clock, no request. The group pages show its warnings, and the lapse scan turns them
into ``group_norms`` flags (one per ``code``), so both say the same thing. Norms are
soft: they warn, they never refuse a change.

Codes (stable, usable as a flag's ``cause``):

- ``too_few_participants``  fewer participants than ``min_size``          (warning)
- ``too_many_participants`` more participants than ``max_size``           (warning)
- ``large_group``           more than ``large_above`` but within the maximum (info)
- ``too_few_leaders``       fewer leaders (leaders and co-leaders) than ``min_leaders`` (warning)
- ``too_many_leaders``      more leaders than ``max_leaders``             (warning)
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Norms:
    """A society's group norms. The defaults are those of a new society (4-12, 1-2)."""

    min_size: int = 4
    max_size: int = 12
    min_leaders: int = 1
    max_leaders: int = 2
    # Groups above this size are allowed but worth a soft warning; by default the seat
    # before the maximum (11 of 12), so it follows whatever maximum the society sets.
    large_above: int | None = None

    @classmethod
    def of(cls, society) -> "Norms":
        """The norms a society has set (``Society.group_min_size`` and friends)."""
        return cls(min_size=society.group_min_size, max_size=society.group_max_size,
                   min_leaders=society.group_min_leaders, max_leaders=society.group_max_leaders)

    @property
    def large_threshold(self) -> int:
        return self.large_above if self.large_above is not None else self.max_size - 1


# The sentence for each code, filled with the group's count and the norm's limit.
MESSAGES = {
    "too_few_participants": _l("%(count)s participants, fewer than the society's minimum of %(limit)s."),
    "too_many_participants": _l("%(count)s participants, more than the society's maximum of %(limit)s."),
    "large_group": _l("%(count)s participants: a large group (more than %(limit)s); "
                      "it may be hard for everyone to take part."),
    "too_few_leaders": _l("%(count)s leaders, fewer than the society's minimum of %(limit)s."),
    "too_many_leaders": _l("%(count)s leaders, more than the society's maximum of %(limit)s."),
}


def describe(code: str, count, limit) -> str | None:
    """A warning's sentence in the current language (None for a code this module does not know)."""
    message = MESSAGES.get(code)
    return str(message) % {"count": count, "limit": limit} if message is not None else None


@dataclass(frozen=True)
class NormWarning:
    code: str
    severity: str  # "info" or "warning", as a Flag's severity
    count: int  # what the group has
    limit: int  # the norm it is measured against

    @property
    def message(self) -> str:
        """The sentence, in the language of whoever reads it now."""
        return describe(self.code, self.count, self.limit)


def check(participants: int, leaders: int, norms: Norms) -> list[NormWarning]:
    """Warnings for a group with ``participants`` and ``leaders`` (current counts) under ``norms``.

    Returns an empty list when the group is within its norms; at most one size warning
    and one leader warning."""
    warnings = []
    if participants < norms.min_size:
        warnings.append(NormWarning("too_few_participants", "warning", participants, norms.min_size))
    elif participants > norms.max_size:
        warnings.append(NormWarning("too_many_participants", "warning", participants, norms.max_size))
    elif participants > norms.large_threshold:
        warnings.append(NormWarning("large_group", "info", participants, norms.large_threshold))
    if leaders < norms.min_leaders:
        warnings.append(NormWarning("too_few_leaders", "warning", leaders, norms.min_leaders))
    elif leaders > norms.max_leaders:
        warnings.append(NormWarning("too_many_leaders", "warning", leaders, norms.max_leaders))
    return warnings
