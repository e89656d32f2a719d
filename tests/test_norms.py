"""Group norms are a pure function of counts and the society's norms: warnings, never refusals."""
import pytest

from society.services.groups.norms import Norms, check

from . import factories

DEFAULTS = Norms()


def codes(participants, leaders, norms=DEFAULTS):
    return [w.code for w in check(participants, leaders, norms)]


@pytest.mark.parametrize("participants,leaders", [(4, 1), (8, 2), (11, 1)])
def test_a_group_within_the_norms_has_no_warning(participants, leaders):
    assert codes(participants, leaders) == []


def test_too_few_participants_and_no_leader():
    assert codes(3, 0) == ["too_few_participants", "too_few_leaders"]


def test_twelve_participants_is_allowed_but_large():
    [warning] = check(12, 2, DEFAULTS)
    assert (warning.code, warning.severity, warning.count, warning.limit) == ("large_group", "info", 12, 11)


def test_thirteen_participants_and_three_leaders_break_the_norms():
    warnings = check(13, 3, DEFAULTS)
    assert [(w.code, w.severity, w.count, w.limit) for w in warnings] == [
        ("too_many_participants", "warning", 13, 12), ("too_many_leaders", "warning", 3, 2)]
    assert "13 participants" in str(warnings[0].message) and "12" in str(warnings[0].message)


def test_norms_come_from_the_society(society):
    society.group_min_size, society.group_max_size = 6, 8
    society.group_min_leaders = society.group_max_leaders = 2
    norms = Norms.of(society)
    assert (norms.min_size, norms.max_size, norms.large_threshold) == (6, 8, 7)
    assert codes(5, 1, norms) == ["too_few_participants", "too_few_leaders"]
    assert codes(8, 2, norms) == ["large_group"]
    assert codes(9, 2, norms) == ["too_many_participants"]


def test_a_new_society_has_the_default_norms():
    norms = Norms.of(factories.society())
    assert (norms.min_size, norms.max_size, norms.min_leaders, norms.max_leaders) == (4, 12, 1, 2)


def test_the_large_group_threshold_can_be_set_explicitly():
    assert codes(10, 1, Norms(large_above=9)) == ["large_group"]
