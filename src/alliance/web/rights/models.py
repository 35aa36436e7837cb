"""The mark left on a client record that has been anonymised."""

from __future__ import annotations

from django.db import models


class AnonymisedClient(models.Model):
    """Marks a client whose record was anonymised: no free text, contact or real dates remain.

    It deliberately holds no date and no former code: either would let someone match the
    record with the audit entry that names the client it used to be.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    client = models.OneToOneField(
        "practice.Client", on_delete=models.CASCADE, related_name="anonymisation"
    )

    class Meta:
        verbose_name = "anonymisation mark"

    def __str__(self) -> str:
        return f"anonymised client {self.client_id}"
