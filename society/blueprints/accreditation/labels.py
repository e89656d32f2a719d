"""What the accreditation templates need to put statuses, actions and rules into words."""
from ...presentation.accreditation import ACTION_LABELS, BUTTON_LABELS, STATUS_COLOURS, STATUS_LABELS
from ...presentation.rules import label_context


def template_labels() -> dict:
    return dict(label_context(), STATUS_LABELS=STATUS_LABELS, STATUS_COLOURS=STATUS_COLOURS,
                ACTION_LABELS=ACTION_LABELS, BUTTON_LABELS=BUTTON_LABELS)
