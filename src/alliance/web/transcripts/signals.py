"""The transcripts feature's extension points (Django signals other features listen to)."""

from __future__ import annotations

from django.dispatch import Signal

rupture_moments_changed = Signal()
"""Sent after commit when a practitioner confirms or dismisses a candidate rupture moment, or
deletes a transcript. Keyword argument ``episode``: the session's episode. Monitoring listens
and refreshes the client's signals at once (a confirmed moment is a rupture alert or
evidence on one)."""
