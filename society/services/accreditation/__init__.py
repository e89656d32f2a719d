"""Accreditation: rule sets as data, the pure evaluator, whether a person is accredited on a day, the lifecycle of an accreditation and the administrators' list."""
