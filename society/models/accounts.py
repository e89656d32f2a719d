"""User accounts: who can log in, with which role, linked to which person."""
import secrets
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import Timestamps, choice, personal
from .people import Person, Society

ROLES = ("admin", "leader", "member")


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Timestamps, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role != 'admin' OR society_id IS NOT NULL", name="admin_has_society"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, **personal())
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(choice(*ROLES, name="role"), index=True)
    society_id: Mapped[int | None] = mapped_column(ForeignKey("societies.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), unique=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login stores this token, not the id, in the session cookie: rotating it
    # on log-out, password change or disable makes every earlier cookie worthless.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Two-factor authentication (services/platform/twofactor.py): the TOTP secret, encrypted with a
    # key derived from SECRET_KEY; set but not yet enabled while enrolment awaits its first code.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The time step of the last code accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # The interface language this user chose from the menu; until they choose, the browser's.
    # (Person.language is the member's language for letters and certificates, not this.)
    language: Mapped[str | None] = mapped_column(String(5))
    # A leader's personal calendar feed: only the sha256 of its secret address, renewable.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    society: Mapped[Society | None] = relationship()
    person: Mapped[Person | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class RecoveryCode(db.Model):
    """A single-use two-factor recovery code; only its SHA-256 is kept (the code has 80 random bits)."""
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
