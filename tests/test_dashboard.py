"""The administrator's home: what needs attention, with counts that match the data, and charts."""
import re
from datetime import date, datetime, timezone

from society.blueprints.dashboard.charts import bar_chart, nice_step
from society.extensions import db
from society.models import Flag
from society.services.platform import dashboard

from . import factories
from .queries import counting_queries

TODAY = date(2025, 5, 20)


def flag(society, resolved=False, **kw):
    values = dict(society=society, kind="group_norms", subject_type="group", subject_id=factories._n(),
                  message="Group breaks its norms", raised_on=TODAY)
    if resolved:
        values.update(resolved_at=datetime.now(timezone.utc), resolved_on=TODAY)
    values.update(kw)
    row = Flag(**values)
    db.session.add(row)
    db.session.flush()
    return row


def test_admin_lands_on_the_dashboard(admin_client):
    response = admin_client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "Needs attention" in html
    nav = html[html.index('<ul class="navbar-nav'):html.index("</ul>")]
    assert nav.index("Dashboard") < nav.index("Groups")


def test_leaders_cannot_open_the_dashboard(leader_client):
    assert leader_client.get("/admin/").status_code == 403


def test_attention_counts_match_the_data(society):
    other = factories.society()
    flag(society), flag(society), flag(society, resolved=True), flag(other)

    member = factories.member_person(society)
    outsider = factories.member_person(other)
    factories.training_record(member, status="pending")
    factories.training_record(member, status="pending", kind="supervision")
    factories.training_record(member, status="approved")
    factories.training_record(outsider, status="pending")

    version = factories.rule_set_version(factories.rule_set(society))
    other_version = factories.rule_set_version(factories.rule_set(other))
    factories.accreditation(member, version, status="applied")
    factories.accreditation(factories.member_person(society), version, status="in_training")
    factories.accreditation(outsider, other_version, status="applied")

    society.dues_grace_days = 90
    late = factories.membership(factories.person(), society)
    factories.dues(late, 2025, due_on=date(2025, 3, 31))  # overdue, within the 90 days' grace
    very_late = factories.membership(factories.person(), society)
    factories.dues(very_late, 2024, due_on=date(2024, 1, 31))  # overdue beyond grace...
    factories.dues(very_late, 2025, due_on=date(2025, 1, 31))  # ...and again: still one member
    paid = factories.membership(factories.person(), society)
    factories.dues(paid, 2025, due_on=date(2025, 1, 31), paid_on=date(2025, 1, 10))
    not_yet = factories.membership(factories.person(), society)
    factories.dues(not_yet, 2025, due_on=date(2025, 6, 30))
    gone = factories.membership(factories.person(), society, ended_on=date(2024, 12, 31), end_reason="resigned")
    factories.dues(gone, 2024, due_on=date(2024, 1, 31))
    factories.dues(factories.membership(factories.person(), other), 2025, due_on=date(2025, 1, 31))

    counts = dashboard.attention(society, TODAY)
    # As the member list's statuses have it: one overdue within grace, one lapsed beyond it.
    assert counts == dashboard.Attention(open_flags=2, pending_records=2, applications=1, dues_overdue=1, dues_lapsed=1)


def test_dashboard_page_shows_the_counts(admin_client, society):
    flag(society)
    html = admin_client.get("/admin/").get_data(as_text=True)
    card = html[html.index('data-attention="open_flags"'):]
    assert 'data-count="1"' in card[:300]


def test_members_by_category_per_quarter(society):
    factories.member_person(society, joined_on=date(2020, 3, 1))
    factories.member_person(society, joined_on=date(2024, 11, 15), category="trainee")
    person = factories.person()
    factories.membership(person, society, joined_on=date(2023, 2, 1), ended_on=date(2024, 6, 30), end_reason="resigned",
                         category="associate")
    factories.member_person(factories.society(), joined_on=date(2020, 1, 1))  # another society's

    days, series = dashboard.members_by_category(society.id, TODAY)
    assert len(days) == 12 and days[-1] == TODAY and days[-2] == date(2025, 3, 31) and days[0] == date(2022, 9, 30)
    assert series["full"] == [1] * 12
    assert series["trainee"] == [0] * 9 + [1, 1, 1]  # joined in 2024 Q4
    assert series["associate"] == [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]  # 2023 Q1 to 2024 Q2 (its last day)
    assert set(series) == {"full", "trainee", "associate"}


def test_groups_by_status(society):
    for status in ("active", "active", "paused", "closed"):
        factories.group(society, status=status)
    factories.group(factories.society(), status="forming")
    assert dashboard.groups_by_status(society.id) == {"forming": 0, "active": 2, "paused": 1, "closed": 1}


def test_accreditations_expiring_per_month_over_24_months(society):
    version = factories.rule_set_version(factories.rule_set(society))

    def granted(expires_on, **kw):
        factories.accreditation(factories.member_person(society), version, status=kw.pop("status", "granted"),
                                granted_on=date(2020, 1, 1), expires_on=expires_on, **kw)

    granted(date(2025, 5, 19), status="expired")  # expired yesterday
    granted(date(2025, 5, 20))  # today: this month
    granted(date(2025, 5, 31))
    granted(date(2025, 7, 1))
    granted(date(2027, 4, 30))  # the 24th month
    granted(date(2027, 5, 1))  # beyond
    granted(None)  # never expires
    granted(date(2025, 8, 1), status="suspended", invalid_from=date(2025, 3, 1))  # not valid today
    factories.accreditation(factories.member_person(society), factories.rule_set_version(factories.rule_set(factories.society())),
                            status="granted", granted_on=date(2020, 1, 1), expires_on=date(2025, 6, 1))

    months, counts = dashboard.expiring_per_month(society.id, TODAY)
    assert len(months) == 24 and months[0] == date(2025, 5, 1) and months[-1] == date(2027, 4, 1)
    assert counts[0] == 2 and counts[1] == 0 and counts[2] == 1 and counts[-1] == 1 and sum(counts) == 4


def test_charts_are_inline_svg_with_titles_and_the_numbers_as_tables(admin_client, society):
    for status in ("active", "active", "active", "paused"):
        factories.group(society, status=status)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    figure = html[html.index('id="chart-groups"'):]
    figure = figure[:figure.index("</figure>")]
    assert 'role="img"' in figure and '<title id="chart-groups-title">Groups by status</title>' in figure
    assert re.findall(r'data-value="(\d+)"', figure) == ["3", "1"]
    rows = re.findall(r'<th scope="row">(\w+)</th>\s*<td class="text-end">(\d+)</td>', figure)
    assert rows == [("Forming", "0"), ("Active", "3"), ("Paused", "1"), ("Closed", "0")]
    assert 'id="chart-members"' in html and 'id="chart-expiring"' in html


def test_the_dashboard_is_a_handful_of_queries_whatever_the_size(admin_client, society):
    def grow():
        for _ in range(5):
            group = factories.group(society)
            factories.participant(group, factories.member_person(society))
            flag(society)
        db.session.commit()

    grow()
    admin_client.get("/admin/")
    with counting_queries() as small:
        admin_client.get("/admin/")
    grow()
    with counting_queries() as larger:
        admin_client.get("/admin/")
    assert len(small) == len(larger) <= 8


def test_a_nice_step_gives_round_axis_ticks():
    assert [nice_step(n) for n in (0, 3, 4, 9, 40, 41, 370, 12000)] == [1, 1, 1, 5, 10, 20, 100, 5000]


def test_stacked_bars_are_as_tall_as_their_totals():
    chart = bar_chart("c", "Title", "Description", ["a", "b"], [("x", [2, 0]), ("y", [2, 4])])
    heights = {bar.label: bar.height for bar in chart.bars}
    assert heights["a · x: 2"] + heights["a · y: 2"] == heights["b · y: 4"]
    assert chart.totals == [4, 4] and not any(bar.label.startswith("b · x") for bar in chart.bars)


def test_every_attention_card_links_to_its_page(admin_client):
    page = admin_client.get("/admin/").data.decode()
    for target in ("/admin/flags", "/admin/records", "/admin/accreditations", "/admin/members/?status=dues_overdue",
                   "/admin/members/?status=lapsed"):
        assert f'href="{target}' in page, target
