"""The domain model, one module per noun. Importing this package registers every table."""
from .account_tokens import AccountToken
from .accounts import ROLES, RecoveryCode, User
from .accreditation import Accreditation, AccreditationDecision
from .audit import AuditEvent
from .certificates import Certificate
from .dues import DuesReminderSent, PaymentImport
from .flags import Flag
from .groups import (Attendance, DirectorySummary, Group, GroupAudience, GroupLeader, GroupOpenness, GroupParticipant,
                     GroupSession, SessionException)
from .imports import ImportBatch, ImportFile, ImportRow, ImportRowError
from .jobs import JobRun, SchedulerLease
from .people import DuesPayment, Membership, Person, Society
from .privacy import RetainedRecord
from .qualifications import PersonQualification
from .reminders import ReminderSent
from .rules import ParticipantChoice, Requirement, RuleSet, RuleSetVersion
from .submissions import FormSubmission
from .supervisors import SupervisorListing
from .training import TrainingRecord
from .webhooks import WebhookDelivery, WebhookEvent, WebhookSubscription

__all__ = [
    "AccountToken", "Accreditation", "AccreditationDecision", "Attendance", "AuditEvent", "Certificate", "DirectorySummary",
    "DuesPayment", "DuesReminderSent", "Flag", "FormSubmission", "Group", "GroupAudience", "GroupLeader", "GroupParticipant",
    "GroupOpenness", "GroupSession", "SessionException", "ImportBatch", "ImportFile", "ImportRow", "ImportRowError", "JobRun", "RecoveryCode",
    "Membership", "ParticipantChoice", "PaymentImport", "Person", "PersonQualification", "ROLES", "ReminderSent", "RetainedRecord", "Requirement", "RuleSet", "RuleSetVersion", "SchedulerLease",
    "Society", "SupervisorListing", "TrainingRecord", "User", "WebhookDelivery", "WebhookEvent", "WebhookSubscription",
]
