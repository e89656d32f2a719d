"""Every main page fits a 1280 px laptop in English and Swedish (the leader's and the public pages
a 390 px phone too) with no horizontal scroll, and axe-core finds no serious or critical
accessibility violation on it (checked in English). The demo data fills the pages.

To look at the pages yourself: `flask seed-demo`, `flask run`, then point Playwright at it;
tests/page_checks.py holds the walk and the measurements."""
import pytest
from sqlalchemy import select

from society.extensions import db
from society.models import Certificate
from society.services.platform import demo

from .demo_data import seed as seed_demo
from .conftest import BROWSER_TIMEOUT_MS, markup_only
from .page_checks import LAPTOP, PHONE, first_link, measure

pytestmark = [pytest.mark.browser, markup_only]

LANGUAGES = ("en", "sv")


@pytest.fixture
def demo_data(live_server):
    summary = seed_demo()
    db.session.commit()
    return summary


@pytest.fixture
def signed_in(browser, live_server):
    contexts = []

    def open_as(role: str | None):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        if role:
            email, password = demo.DEMO_LOGINS[role]
            page.goto("/auth/login")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            assert "/auth/login" not in page.url
        return page

    yield open_as
    for context in contexts:
        context.close()


def choose_language(page, language: str) -> None:
    page.set_viewport_size({"width": LAPTOP, "height": 900})
    page.goto("/verify")
    with page.expect_navigation():  # the menu sends its form on change
        page.select_option("select[name=lang]", language)
    assert page.get_attribute("html", "lang") == language


def walk(page, paths, widths) -> list[str]:
    """Each page in each language and width, and axe-core on each page once; what went wrong, as readable lines.

    axe-core runs in the first language only: the two languages share every element, role, name source,
    colour and landmark (only the words differ, and test_swedish_everywhere.py reads those), while axe
    nearly doubled the walk's time (the admin walk: 23.5 s with it in both languages, 12.6 s without)."""
    problems = []
    for language in LANGUAGES:
        choose_language(page, language)
        for path in paths:
            for report in measure(page, path, language, widths, axe=language == LANGUAGES[0]):
                if report.overflows:
                    problems.append(f"{language} {path} at {report.width} px is {report.scroll_width} px wide")
                problems += [f"{language} {path}: {v}" for v in report.violations]
    return problems


def admin_pages(page) -> list[str]:
    paths = ["/admin/", "/admin/members/", "/admin/members/new", "/admin/groups/", "/admin/imports/",
             "/admin/flags/", "/admin/audit/", "/admin/records/", "/admin/accreditations/", "/admin/certificates",
             "/admin/rule-sets/", "/admin/jobs/", "/admin/webhooks/"]
    group = first_link(page, "/admin/groups/", r"/admin/groups/\d+")
    rule_set = first_link(page, "/admin/rule-sets/", r"/admin/rule-sets/\d+")
    return paths + [
        first_link(page, "/admin/members/", r"/admin/members/\d+"),
        group,
        first_link(page, group, r"/groups/\d+/sessions"),
        first_link(page, "/admin/accreditations/", r"/admin/accreditations/\d+"),
        first_link(page, "/admin/records/", r"/admin/records/people/\d+"),
        rule_set,
        first_link(page, rule_set, r"/admin/rule-sets/versions/\d+"),
    ]


def test_admin_pages_fit_a_laptop_in_both_languages_and_pass_axe(demo_data, signed_in):
    page = signed_in("admin")
    assert walk(page, admin_pages(page), (LAPTOP,)) == []


def test_leader_pages_fit_a_laptop_and_a_phone_and_pass_axe(demo_data, signed_in):
    page = signed_in("leader")
    paths = ["/portal/progress", "/portal/records", "/portal/records/new", "/portal/countersign", "/portal/groups",
             "/portal/accreditations", "/portal/certificates", "/portal/qualifications"]
    paths.append(first_link(page, "/portal/groups", r"/groups/\d+/sessions"))
    paths += ["/portal/calendar", first_link(page, "/portal/groups", r"/portal/groups/\d+/join-details")]
    assert walk(page, paths, (LAPTOP, PHONE)) == []


def test_public_pages_fit_a_laptop_and_a_phone_and_pass_axe(demo_data, signed_in):
    number = db.session.scalar(select(Certificate.number).limit(1))
    page = signed_in(None)
    finder = ["/find", first_link(page, "/find", r"/find/groups/\d+"), "/find/embed/SBS"]
    assert walk(page, ["/auth/login", "/verify", f"/verify/{number}", *finder], (LAPTOP, PHONE)) == []


def test_the_top_bar_shows_its_language_and_log_out_at_1280_in_swedish(demo_data, signed_in):
    page = signed_in("admin")
    choose_language(page, "sv")
    page.goto("/admin/")
    language = page.locator("select[name=lang]")
    assert language.is_visible() and language.bounding_box()["width"] >= 50
    assert language.evaluate("s => s.options[s.selectedIndex].text") == "SV"
    log_out = page.get_by_role("button", name="Logga ut").bounding_box()
    assert log_out and log_out["x"] + log_out["width"] <= LAPTOP
    # The less frequent pages are one click away under "Mer".
    page.get_by_role("button", name="Mer").click()
    page.get_by_role("link", name="Regelverk").click()
    page.wait_for_url("**/admin/rule-sets/")


def test_chart_text_keeps_the_page_font_size_whatever_the_chart_size(demo_data, signed_in):
    page = signed_in("admin")
    sizes = {}
    for width in (LAPTOP, 1920, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/admin/")
        for chart in ("chart-members", "chart-groups", "chart-expiring"):
            # What a person sees: the rendered height of a line of an axis label, in CSS pixels.
            heights = page.eval_on_selector_all(
                f"#{chart} .chart-x-axis span:not(:empty), #{chart} .chart-y-axis span, #{chart} svg text",
                """labels => labels.map(label => {
                     const range = document.createRange(); range.selectNodeContents(label);
                     return Math.round(range.getClientRects()[0].height); })""")  # one line of it
            assert heights, chart
            sizes[(width, chart)] = set(heights)
        # Each chart keeps its numbers as a table.
        assert page.locator("table[data-chart]").count() == 3
    assert len(set().union(*sizes.values())) == 1, sizes
    body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert 0.8 * body <= next(iter(set().union(*sizes.values()))) <= 1.5 * body
