"""One way a form or button saves (society/editing.py ``commit_edit``): its refusals answered
alike on every page, what was typed kept."""
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from society.blueprints.members import views as member_views
from society.extensions import db
from society.models import DuesPayment

from . import factories

BLUEPRINTS = Path(__file__).resolve().parent.parent / "society" / "blueprints"
# Not form saves: the import commit records its own failure after rolling back, an import step
# ends its read transaction, and the certificate CLI's bulk commands (leaders' and participants', through
# one step) end their read transaction before rendering.
OWN_TRANSACTIONS = {"imports/views.py": 2, "certificates/cli.py": 1}


def test_views_leave_commit_and_rollback_to_the_one_form_save_helper():
    rollbacks = {str(path.relative_to(BLUEPRINTS)): len(re.findall(r"\.rollback\(\)", path.read_text()))
                 for path in BLUEPRINTS.rglob("*.py")}
    assert {name: n for name, n in rollbacks.items() if n} == OWN_TRANSACTIONS


def test_a_dues_payment_beaten_by_another_save_comes_back_as_typed(admin_client, society, monkeypatch):
    membership = factories.member(society)
    db.session.commit()

    def saved_at_the_same_moment(*args, **kwargs):
        raise IntegrityError("INSERT INTO dues_payments", {}, Exception("duplicate key"))

    monkeypatch.setattr(member_views.members, "record_payment", saved_at_the_same_moment)
    response = admin_client.post(f"/admin/members/{membership.person_id}/dues",
                                 data={"period": "2025", "amount": "451", "paid_on": "2025-02-10", "reference": "BG 77"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "conflicts with something saved at the same moment" in page
    assert 'value="451"' in page and 'value="BG 77"' in page
    assert db.session.scalar(select(DuesPayment.id)) is None

