"""How a person's qualifications read (codes by their labels, the verification state)."""
from flask_babel import lazy_gettext as _l

QUALIFICATION_LABELS = {
    "psychotherapy": _l("Psychotherapy qualification (Zusatzbezeichnung Psychotherapie)"),
    "psychoanalysis": _l("Psychoanalysis qualification (Zusatzbezeichnung Psychoanalyse)"),
    "psychiatry_specialist": _l("Specialist in psychiatry"),
    "psychosomatic_specialist": _l("Specialist in psychosomatic medicine and psychotherapy"),
    "general_practice_specialist": _l("Specialist in general practice"),
    "psychodynamic_training": _l("Psychoanalytic or psychodynamic training"),
    "psychotherapist_licence": _l("Licensed psychotherapist"),
    "clinical_psychologist_licence": _l("Licensed clinical psychologist"),
    "professional_training": _l("Appropriate professional training (medicine, psychology or another clinical profession)"),
    "indemnity_insured": _l("Professional indemnity insurance"),
    "uk_form_a_registered": _l("Registered on Form A (UK Balint Society)"),
}
VERIFICATION_LABELS = {True: _l("Verified"), False: _l("Not verified yet")}
VERIFICATION_BADGES = {True: "success", False: "warning"}


def qualification_labels() -> dict:
    """Template context: the labels, translated once per request."""
    return dict(qualification_labels={code: str(text) for code, text in QUALIFICATION_LABELS.items()},
                verification_labels={state: str(text) for state, text in VERIFICATION_LABELS.items()},
                verification_badges=VERIFICATION_BADGES)
