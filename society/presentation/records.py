"""The facts a training record carries for the rule language, by their labels: who ran an intensive
or workshop (provider), what a supervisor's report is (report kind), and further tags the shipped
rule sets name (``provider_in``, ``report_kind``, ``tags_any``)."""
from flask_babel import lazy_gettext as _l

PROVIDER_LABELS = {
    "BSANZ": _l("Balint Society of Australia and New Zealand (BSANZ)"),
    "UKBS": _l("UK Balint Society (UKBS)"),
    "ABS": _l("American Balint Society (ABS)"),
    "IBF": _l("International Balint Federation (IBF)"),
    "DBG": _l("Deutsche Balint-Gesellschaft (DBG)"),
    "SBS": _l("Swedish Balint Society (SBS)"),
}
REPORT_KIND_LABELS = {
    "six_monthly": _l("Six-monthly report"),
    "final": _l("Final report"),
    "co_leader": _l("Co-leader's report"),
    "supervisor": _l("Supervisor's report"),
}
TAG_LABELS = {
    "ongoing_group": _l("An ongoing group"),
    "weekend": _l("At a weekend (a weekend group)"),
    "recording_reviewed": _l("A recording was reviewed"),
    "credentialing_intensive": _l("Credentialing intensive"),
    "study_conference": _l("Study conference"),
    "two_day": _l("Two days or longer"),
    "ccc_accepted": _l("Accepted by the credentialing committee (CCC)"),
    "residential_workshop": _l("Residential workshop"),
    "competency_evaluation": _l("Competency evaluation"),
    "annual_training_record": _l("Annual training record"),
}
PROVIDERS, REPORT_KINDS, TAGS = tuple(PROVIDER_LABELS), tuple(REPORT_KIND_LABELS), tuple(TAG_LABELS)
_LABELS = {"provider": PROVIDER_LABELS, "report_kind": REPORT_KIND_LABELS, "tag": TAG_LABELS}


def record_fact_label(fact: str, code: str | None) -> str:
    """A template global: ``record_fact_label('tag', 'two_day')``; an unknown code (an imported
    file's own provider) reads as itself."""
    if not code:
        return ""
    label = _LABELS[fact].get(code)
    return str(label) if label is not None else code

