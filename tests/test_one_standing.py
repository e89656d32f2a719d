"""One standing everywhere: the public directory and certificate verification give the same
answer for every holder on every day, whatever state the accreditation is in."""
from datetime import date, timedelta

from sqlalchemy import select

from society.extensions import db
from society.models import Accreditation, Certificate, GroupLeader
from society.services.accreditation import standing
from society.services.certificates import issuing
from society.services.groups import directory

from . import demo_data, factories

TODAY = date.today()
DAYS = (TODAY, TODAY + timedelta(days=365), TODAY + timedelta(days=5 * 365))
VALID = ("valid", "expiring")


def latest_certificates() -> dict[int, Certificate]:
    """Each holder's latest unrevoked certificate (the one the directory names)."""
    latest: dict[int, Certificate] = {}
    for certificate in db.session.scalars(select(Certificate).where(Certificate.revoked_at.is_(None))
                                          .order_by(Certificate.issued_on, Certificate.id)):
        latest[certificate.accreditation.person_id] = certificate
    return latest


def compare_on(day: date) -> list[tuple]:
    """(holder, certificate status, directory says accredited) for every holder who leads a group on ``day``;
    asserts the two public answers agree for each."""
    compared = []
    for person_id, certificate in latest_certificates().items():
        verification = issuing.status_on(certificate, day)[0]
        holder = certificate.accreditation.person.full_name
        group_ids = db.session.scalars(select(GroupLeader.group_id).where(
            GroupLeader.person_id == person_id, GroupLeader.starts_on <= day,
            (GroupLeader.ends_on.is_(None)) | (GroupLeader.ends_on >= day))).all()
        for group_id in group_ids:
            described = directory.get_group(group_id, day)
            (entry,) = [leader for leader in described["leaders"] if leader["name"] == holder]
            listed = entry["accreditation"]["status"] == "accredited"
            assert listed == (verification in VALID), (day, holder, verification, entry["accreditation"])
            if listed:
                assert entry["accreditation"]["certificate_number"] == certificate.number
            assert standing.accredited_on(person_id, day) == (verification in VALID)
            compared.append((holder, verification, listed))
    return compared


def test_every_demo_certificate_verifies_as_the_directory_shows_its_holder_on_several_days():
    demo_data.seed(40, today=TODAY)
    db.session.commit()
    today = compare_on(TODAY)
    statuses = {verification for _holder, verification, _listed in today}
    assert {"valid", "expiring", "expired", "suspended"} <= statuses  # every stage of the demo was compared
    for day in DAYS[1:]:
        compare_on(day)


def test_a_suspension_without_an_effective_date_ends_the_directory_listing_too():
    demo_data.seed(40, today=TODAY)
    db.session.commit()
    holder, certificate = next((person_id, c) for person_id, c in latest_certificates().items()
                               if issuing.status_on(c, TODAY)[0] == "valid"
                               and db.session.scalar(select(GroupLeader.id).where(GroupLeader.person_id == person_id)))
    accreditation = certificate.accreditation
    # As an import or an older release may have left it: suspended, no date it took effect.
    accreditation.status, accreditation.invalid_from = "suspended", None
    db.session.commit()
    assert issuing.status_on(certificate, TODAY)[0] == "suspended"
    assert not standing.accredited_on(holder, TODAY)
    for day in (*DAYS, TODAY - timedelta(days=30)):
        compared = compare_on(day)
        assert all(not listed for name, _v, listed in compared if name == accreditation.person.full_name)


def test_the_python_rule_and_its_sql_twin_agree_on_decisions_with_and_without_a_date(society):
    person = factories.member_person(society)
    accreditation = factories.group_leader_accreditation(person, society, granted_on=date(2020, 1, 1))
    cases = [("granted", None), ("suspended", None), ("revoked", None), ("suspended", TODAY),
             ("revoked", TODAY + timedelta(days=10)), ("expired", None)]
    for status, invalid_from in cases:
        accreditation.status, accreditation.invalid_from = status, invalid_from
        db.session.flush()
        for day in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=20)):
            in_sql = db.session.scalar(select(Accreditation.id).where(
                Accreditation.id == accreditation.id, standing.valid_on(day))) is not None
            assert accreditation.is_valid_on(day) == in_sql, (status, invalid_from, day)
    accreditation.status, accreditation.invalid_from = "suspended", None
    assert not accreditation.is_valid_on(TODAY)


def test_the_api_pages_and_their_accredited_filter_show_what_verification_says(client):
    """The API's own path (each filter's ids kept per data version, the page published without a
    dump) gives certificate verification's answer for every demo holder, and its ``accredited``
    filter splits the list exactly by the ``accredited`` flag it shows."""
    demo_data.seed(40, today=TODAY)
    db.session.commit()

    def listed(**filters) -> list[dict]:
        groups, page = [], 1
        while page:
            body = client.get("/api/v1/groups", query_string={"per_page": 7, "page": page, **filters}).get_json()
            groups += body["items"]
            page = body["pagination"]["next_page"]
        return groups

    everything = listed()
    accredited, not_accredited = listed(accredited="true"), listed(accredited="false")
    assert sorted(g["id"] for g in accredited + not_accredited) == sorted(g["id"] for g in everything)
    assert all(g["accredited"] for g in accredited) and not any(g["accredited"] for g in not_accredited)
    shown = {(g["id"], leader["name"]): leader["accreditation"] for g in everything for leader in g["leaders"]}
    compared = 0
    for person_id, certificate in latest_certificates().items():
        verification = issuing.status_on(certificate, TODAY)[0]
        holder = certificate.accreditation.person.full_name
        for group_id in db.session.scalars(select(GroupLeader.group_id).where(
                GroupLeader.person_id == person_id, GroupLeader.starts_on <= TODAY,
                (GroupLeader.ends_on.is_(None)) | (GroupLeader.ends_on >= TODAY))):
            if (group_id, holder) not in shown:
                continue  # a closed group: the default list shows active and forming ones
            entry = shown[(group_id, holder)]
            assert (entry["status"] == "accredited") == (verification in VALID), (holder, verification, entry)
            compared += 1
    assert compared > 10
