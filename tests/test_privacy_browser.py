"""The privacy pages fit a laptop in English and Swedish (My data a phone too) and pass axe-core."""
import pytest

from society.extensions import db
from society.models import Person, User

from .conftest import markup_only
from .page_checks import LAPTOP, PHONE
from .test_layout_browser import demo_data, signed_in, walk  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, markup_only]


def test_my_data_fits_a_laptop_and_a_phone_and_passes_axe(demo_data, signed_in):  # noqa: F811
    page = signed_in("member")
    assert walk(page, ["/my-data"], (LAPTOP, PHONE)) == []


def test_the_erase_confirmation_and_the_retention_dry_run_fit_and_pass_axe(demo_data, signed_in):  # noqa: F811
    leader = db.session.scalar(db.select(Person).join(User, User.person_id == Person.id)
                               .where(User.email == "leader@sbs.example"))
    page = signed_in("admin")
    paths = [f"/admin/members/{leader.id}", f"/admin/members/{leader.id}/erase", "/admin/privacy/retention",
             "/admin/settings"]
    assert walk(page, paths, (LAPTOP,)) == []
