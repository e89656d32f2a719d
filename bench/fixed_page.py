"""The benchmark's baseline: a bare WSGI app that answers every request with the same
50-item JSON page (shaped and sized like a directory page) and touches no database."""
import json

ITEM = {
    "id": 0, "name": "Balintgrupp Uppsala 0", "society": {"code": "SBS", "name": "Svenska Balintsällskapet"},
    "place": {"city": "Uppsala", "country": "SE"}, "format": "in_person", "language": "sv", "audience": ["gp"],
    "schedule": {"rhythm": "monthly", "session_minutes": 120}, "accepting_members": True,
    "dates": {"starts_on": "2023-02-01", "ends_on": None}, "status": "active",
    "leaders": [
        {"name": "Anna Andersson", "role": "leader", "trainee": False,
         "accreditation": {"status": "accredited", "credential": "Godkänd Balintgruppledare",
                           "valid_until": "2029-06-30", "certificate_number": None}},
        {"name": "Erik Eriksson", "role": "co_leader", "trainee": True,
         "accreditation": {"status": "in_training", "credential": None, "valid_until": None,
                           "certificate_number": None}},
    ],
    "accredited": True, "updated_at": "2026-01-01T00:00:00+00:00",
}
BODY = json.dumps({
    "items": [{**ITEM, "id": n, "name": f"Balintgrupp Uppsala {n}"} for n in range(50)],
    "pagination": {"total": 10000, "total_pages": 200, "first_page": 1, "last_page": 200, "page": 1,
                   "per_page": 50, "previous_page": None, "next_page": 2},
}).encode()


def app(_environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
