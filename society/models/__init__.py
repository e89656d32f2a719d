"""The domain model, one module per noun. Importing this package registers every table."""
from .account_tokens import AccountToken
from .accounts import ROLES, RecoveryCode, User
from .accreditation import Accreditation, AccreditationDecision
from .audit import AuditEvent
from .certificates import Certificate
from .dues import DuesReminderSent, PaymentImport
from .flags import Flag
from .groups import Attendance, Group, GroupAudience, GroupLeader, GroupParticipant, GroupSession
from .imports import ImportBatch, ImportFile, ImportRow, ImportRowError
from .jobs import JobRun, SchedulerLease
from .people import DuesPayment, Membership, Person, Society
from .reminders import ReminderSent
from .rules import Requirement, RuleSet, RuleSetVersion
from .submissions import FormSubmission
from .training import TrainingRecord

__all__ = [
    "AccountToken", "Accreditation", "AccreditationDecision", "Attendance", "AuditEvent", "Certificate",
    "DuesPayment", "DuesReminderSent", "Flag", "FormSubmission", "Group", "GroupAudience", "GroupLeader", "GroupParticipant",
    "GroupSession", "ImportBatch", "ImportFile", "ImportRow", "ImportRowError", "JobRun", "RecoveryCode",
    "Membership", "PaymentImport", "Person", "ROLES", "ReminderSent", "Requirement", "RuleSet", "RuleSetVersion", "SchedulerLease",
    "Society", "TrainingRecord", "User",
]
