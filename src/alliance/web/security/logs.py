"""Tokens in URLs never reach a log: check links, portal links and password-reset links.

A check link (/c/<token>/) answers the client's check, a portal link (/p/<token>/) opens the
client's portal, a reset link (/reset/<uid>/<token>/) sets a password: whoever reads a log
line with one could use it. The filter rewrites every record that passes a handler; the
gunicorn logger class puts it on gunicorn's access and error logs. No Django imports: the
logging configuration loads it before the apps.
"""

from __future__ import annotations

import logging
import re

from gunicorn.config import Config
from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_SEGMENT = r"[^/?#\s\"'<>]+"
_PATTERNS = (
    # /reset/<uidb64>/<token>/ and, after the first visit, /reset/<uidb64>/set-password/
    (re.compile(rf"(/reset/){_SEGMENT}/{_SEGMENT}"), rf"\g<1>{REDACTED}/{REDACTED}"),
    (re.compile(rf"(/[cp]/){_SEGMENT}"), rf"\g<1>{REDACTED}"),
)


def redact(text: str) -> str:
    """Return `text` with the token of every check, portal and reset link replaced."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactTokens(logging.Filter):
    """Rewrite a record's message (and traceback text) without the tokens of links."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger with RedactTokens on its access and error log handlers."""

    def setup(self, cfg: Config) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactTokens())
