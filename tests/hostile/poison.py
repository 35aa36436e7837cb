"""Put a script payload into every user-editable free-text field of every stored record."""

from __future__ import annotations

from html.parser import HTMLParser

from django.apps import apps
from django.db import models

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>\"'><svg onload=alert(1)>"
SHORT_PAYLOADS = ("<svg onload=alert(1)>", "<script>alert(1)", "<b onclick=x>")

# Identifiers the software itself relies on (logins, URLs, lookups, codes from a list), not prose.
SKIP_NAMES = {
    "username", "password", "slug", "org_slug", "token", "token_hash", "instrument_id",
    "preferred_language", "language", "lang", "key", "key_hash", "secret", "digest", "prefix",
    "idempotency_key", "request_hash", "event", "events", "url", "endpoint", "model_version",
    "object_type", "client_code_prefix", "content_type", "mime_type", "sha256", "checksum",
    "session_key", "session_data", "queue_name", "backend_name", "priority", "task_path",
    "status", "state", "kind", "format", "role", "method", "band", "file", "photo", "image",
    "path", "filename", "storage_name", "hash", "value_hash", "salt", "ip_address", "user_agent",
}  # fmt: skip


def text_fields(model) -> list[models.Field]:
    """Char/Text fields (encrypted ones included) a person can type into."""
    fields = []
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            if type(field).__name__ not in {"EncryptedTextField", "EncryptedCharField"}:
                continue
        if isinstance(field, models.EmailField | models.URLField | models.SlugField):
            continue
        if not field.editable or field.choices or field.primary_key:
            continue
        if field.name in SKIP_NAMES or field.name.endswith(("_hash", "_key", "_id", "_url")):
            continue
        fields.append(field)
    return fields


def poisoned_value(field, current: str) -> str | None:
    limit = getattr(field, "max_length", None)
    for payload in (PAYLOAD, *SHORT_PAYLOADS):
        if limit is None or len(current) + len(payload) <= limit:
            return current + payload
        if len(payload) <= limit:
            return current[: limit - len(payload)] + payload
    return None


def poison_everything() -> dict[str, list[str]]:
    """Append the payload to every free-text field of every record; return what was touched."""
    touched: dict[str, list[str]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("alliance.web."):
            continue
        fields = text_fields(model)
        if not fields:
            continue
        for obj in model._default_manager.all():
            changes = {}
            for field in fields:
                current = getattr(obj, field.attname) or ""
                if not isinstance(current, str):
                    continue
                value = poisoned_value(field, current)
                if value is not None:
                    changes[field.attname] = value
            if changes:
                try:
                    model._default_manager.filter(pk=obj.pk).update(**changes)
                except Exception as exc:  # append-only records (the audit log) refuse updates
                    if type(exc).__name__ != "AppendOnlyError":
                        raise
                    break
                touched.setdefault(model._meta.label, sorted(changes))
    return touched


class _Scanner(HTMLParser):
    """Collect what a browser would run: event-handler attributes and script bodies."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}> at line {self.getpos()[0]}")
        if tag.lower() == "script":
            self._in_script = True

    def handle_endtag(self, tag):
        if tag.lower() == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data[:60]!r} at line {self.getpos()[0]}")


def unsafe_fragments(body: str) -> list[str]:
    """Event handlers anywhere and the payload inside a script element, as the browser parses."""
    scanner = _Scanner()
    scanner.feed(body)
    scanner.close()
    return scanner.found
