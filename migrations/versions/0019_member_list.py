"""Member list: indexes of ended memberships and of unpaid dues in membership order

- ``ix_memberships_society_ended``: the ended memberships only (partial), which the "resigned"
  filter counts without reading every member;
- ``ix_dues_payments_unpaid_membership``: the unpaid dues rows in membership order (partial),
  from which "dues overdue" groups each member's rows as it reads them, and against which a page
  walked member by member checks each member's own dues (PostgreSQL, bench/members_list.py).

Revision ID: 0019_member_list
Revises: 0018_supervisor_list
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_member_list"
down_revision = "0018_supervisor_list"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_memberships_society_ended", "memberships", ["society_id", "ended_on"],
                    sqlite_where=sa.text("ended_on IS NOT NULL"), postgresql_where=sa.text("ended_on IS NOT NULL"))
    op.create_index("ix_dues_payments_unpaid_membership", "dues_payments", ["membership_id", "period", "due_on"],
                    sqlite_where=sa.text("paid_on IS NULL"), postgresql_where=sa.text("paid_on IS NULL"))


def downgrade():
    op.drop_index("ix_dues_payments_unpaid_membership", table_name="dues_payments")
    op.drop_index("ix_memberships_society_ended", table_name="memberships")
