"""A person's qualifications (facts rules look at): what, since when, evidenced and verified.

A qualification is the person's claim until an administrator of their society, who is not that
person, verifies it; only verified ones count for rules. Changing what was verified (the code,
the date or the evidence) makes it a claim again.
"""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._base import Timestamps, choice, personal

# The qualifications the published rules name (DOMAIN.md); labels in presentation/qualifications.py.
QUALIFICATION_CODES = (
    "psychotherapy",                    # Zusatzbezeichnung Psychotherapie (fachgebundene Psychotherapie)
    "psychoanalysis",                   # Zusatzbezeichnung Psychoanalyse
    "psychiatry_specialist",
    "psychosomatic_specialist",         # psychosomatic medicine and psychotherapy
    "general_practice_specialist",
    "psychodynamic_training",           # psychoanalytic or psychodynamic training (UK pathway rule)
    "psychotherapist_licence",          # licensed psychotherapist (e.g. psychodynamic, Germany, Sweden)
    "clinical_psychologist_licence",
    # Further facts rule sets name as conditions (shipped rule sets, DOMAIN.md):
    "professional_training",            # an appropriate professional training (IBF guideline)
    "indemnity_insured",                # professional indemnity insurance kept up (BSANZ)
    "uk_form_a_registered",             # registered on the UK Balint Society's "Form A" (2023 criteria)
)


class PersonQualification(Timestamps, db.Model):
    __tablename__ = "person_qualifications"
    __table_args__ = (
        UniqueConstraint("person_id", "code"),
        # Verified means both: by whom and when.
        CheckConstraint("(verified_at IS NULL) = (verified_by_id IS NULL)", name="verified_by_and_at"),
        # The training leading to a qualification begins no later than the qualification is obtained.
        CheckConstraint("training_started_on IS NULL OR training_started_on <= obtained_on",
                        name="training_before_obtained"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))  # led by the unique key
    code: Mapped[str] = mapped_column(choice(*QUALIFICATION_CODES, name="qualification_code"))
    obtained_on: Mapped[date] = mapped_column(Date)
    training_started_on: Mapped[date | None] = mapped_column(Date)  # when its training began, if known
    note: Mapped[str | None] = mapped_column(String(500), **personal())
    evidence_path: Mapped[str | None] = mapped_column(String(300))
    evidence_name: Mapped[str | None] = mapped_column(String(200), **personal())
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def verified(self) -> bool:
        return self.verified_at is not None
