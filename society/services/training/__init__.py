"""The training ledger: records leaders log or attendance produces, evidence files, countersigning and review, and progress read from the records."""
