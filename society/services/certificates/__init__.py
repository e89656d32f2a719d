"""Certificates: issuing and verifying them, their PDF (WeasyPrint behind a fence, in a child process) and optional signing."""
