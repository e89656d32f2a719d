"""Flags: the daily lapse scan that raises and resolves them, their wording, the administrators' inbox, and expiry reminders."""
