"""Domain signals: how one capability reacts to another without importing it.

The accreditation service sends; certificates (and anything else) connect in their
own module. Receivers run inside the sender's transaction and must only flush.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the Accreditation; kwargs: action ("grant" or "renew"), on (date), actor (audit.Actor)
accreditation_granted = _signals.signal("accreditation-granted")
# sender: the Accreditation; kwargs: action ("suspend", "revoke", "reinstate", "expire", "reject"...), on, reason
accreditation_changed = _signals.signal("accreditation-changed")
# sender: the GroupSession; kwargs: created (bool) — after its attendance records were written
session_recorded = _signals.signal("session-recorded")
