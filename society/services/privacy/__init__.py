"""Personal data on request and by rule: ``inventory`` (what is personal, from the models' ``personal()``
markers, and which rows belong to a person), ``export`` (everything held about a person), ``erasure``
(blank, delete, pseudonymise; keep what the law requires) and ``retention`` (the society's rules, a job)."""
