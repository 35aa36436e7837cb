"""In the demo, e-mails go to the console on standard error: what a command prints on standard
output (a token's secret, a report) stays clean for the user to copy or pipe."""

from __future__ import annotations

from django.core.mail import get_connection, send_mail


def test_demo_mail_goes_to_standard_error(capsys, settings):
    settings.EMAIL_BACKEND = "alliance.web.console_mail.EmailBackend"
    send_mail(
        "Alliance: a new API token",
        "A token was created for you.",
        "alliance@localhost",
        ["owner@example.org"],
        connection=get_connection(),
    )
    said = capsys.readouterr()
    assert said.out == ""
    assert "Subject: Alliance: a new API token" in said.err
    assert "owner@example.org" in said.err
