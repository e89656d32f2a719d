"""The rules of the domain, one module per capability. Plain functions: no request objects.

Services flush; the caller (a view, a job, a CLI command) owns the transaction and commits.
"""
