"""The demo shows UK grandfathering: a candidate on the 2016 rules, one on the 2023 rules."""
from datetime import date

from sqlalchemy import select

from society.extensions import db
from society.models import Accreditation, Person
from society.services.platform import demo
from society.services.training.progress import progress_for

TODAY = date(2026, 11, 23)


def test_demo_shows_uk_grandfathering_on_the_2016_and_2023_rules(app):
    demo.seed(10, today=TODAY)
    db.session.commit()
    uk = {a.person.family_name: a for a in db.session.scalars(
        select(Accreditation).join(Accreditation.person).where(Person.email.like("%@example.org.uk")))}
    assert uk["Hughes"].rule_set_version.label == "2016" and progress_for(uk["Hughes"], TODAY).met
    assert uk["Price"].rule_set_version.label == "2023" and not progress_for(uk["Price"], TODAY).met
    assert uk["Shah"].status == "applied" and uk["Shah"].person.psychodynamically_trained
    client = app.test_client()
    assert client.post("/auth/login", data={"email": "admin@ukbs.example", "password": "balint-admin-demo"}).status_code == 302
    assert "Priya Shah" in client.get("/admin/accreditations/").get_data(as_text=True)


def test_seeding_twice_adds_the_uk_candidates_once():
    demo.seed(2, today=TODAY)
    demo.seed(2, today=TODAY)
    assert db.session.scalar(select(db.func.count()).select_from(Person).where(Person.email.like("%@example.org.uk"))) == 3
