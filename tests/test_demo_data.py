"""The tests' copy of the demo data (tests/demo_data.py) is the seeded demo, row for row."""
from datetime import date

from sqlalchemy import select, text

from society.extensions import db
from society.models import Person

from . import demo_data
from .conftest import wipe_all_tables

TODAY = date(2026, 11, 23)


def every_row() -> dict:
    return {table.name: [tuple(row) for row in db.session.execute(table.select().order_by(*table.primary_key))]
            for table in db.metadata.sorted_tables}


def test_a_copied_demo_is_the_seeded_one_row_for_row_and_new_rows_follow_it():
    seeded_summary = demo_data.seed(3, today=TODAY)  # groups=3: seeded for real here, then kept
    db.session.commit()
    seeded = every_row()
    assert len(seeded["people"]) > 20 and seeded["training_records"]
    db.session.close()
    wipe_all_tables()

    copied_summary = demo_data.seed(3, today=TODAY)
    db.session.commit()
    assert every_row() == seeded
    assert copied_summary == seeded_summary
    newcomer = Person(given_name="New", family_name="Comer", email="new.comer@example.org", profession="gp")
    db.session.add(newcomer)
    db.session.commit()
    assert newcomer.id == max(row[0] for row in seeded["people"]) + 1
    if db.engine.dialect.name == "sqlite":  # SQLite's name search is an FTS index its triggers fill
        someone = db.session.get(Person, seeded["people"][0][0])
        found = db.session.scalars(text("SELECT rowid FROM people_search WHERE people_search MATCH :name"),
                                   {"name": f'"{someone.family_name}"'}).all()
        assert someone.id in found


def test_a_seed_into_a_database_that_holds_rows_is_not_kept_as_the_demo():
    db.session.add(Person(given_name="Before", family_name="Seed", email="before@example.org", profession="gp"))
    db.session.commit()
    demo_data.seed(2, today=TODAY)
    db.session.commit()
    db.session.close()
    wipe_all_tables()
    demo_data.seed(2, today=TODAY)
    db.session.commit()
    assert db.session.scalar(select(Person.id).where(Person.email == "before@example.org")) is None
