"""Encryption at rest for clinical free text and contact details.

`ALLIANCE_DATA_KEY` holds one or more Fernet keys separated by commas. The first key
encrypts; every key decrypts, so a key is rotated by putting a new key first and running
`alliance rotate-data-key`, which re-encrypts every value with the new key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"


def generate_key() -> str:
    """Return a new random data key (URL-safe base64, 32 bytes)."""
    return Fernet.generate_key().decode("ascii")


@lru_cache(maxsize=4)
def _fernet_for(keys: str) -> MultiFernet:
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    if not parts:
        raise ImproperlyConfigured("ALLIANCE_DATA_KEY is empty")
    try:
        return MultiFernet([Fernet(part.encode("ascii")) for part in parts])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ALLIANCE_DATA_KEY must be one or more Fernet keys separated by commas "
            "(create one with `alliance generate-data-key`)"
        ) from exc


def fernet() -> MultiFernet:
    """Return the MultiFernet built from the configured data key(s)."""
    key = settings.ALLIANCE_DATA_KEY
    if not key:
        raise ImproperlyConfigured("ALLIANCE_DATA_KEY is not set")
    return _fernet_for(key)


def encrypt(text: str) -> str:
    """Encrypt `text` with the primary data key."""
    return PREFIX + fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Decrypt a value written by `encrypt` with any configured key."""
    if not token.startswith(PREFIX):
        raise ValueError("value is not encrypted by Alliance")
    try:
        return fernet().decrypt(token[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with ALLIANCE_DATA_KEY: is the right key set?"
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt a stored value with the primary key."""
    return PREFIX + fernet().rotate(token[len(PREFIX) :].encode("ascii")).decode("ascii")


class EncryptedTextField(models.TextField):
    """A text column whose content is stored encrypted; empty text is stored as ''."""

    description = "Text encrypted at rest with ALLIANCE_DATA_KEY"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class EncryptedCharField(EncryptedTextField):
    """Short encrypted text (names, phone numbers, e-mail addresses) with a form length limit."""

    def __init__(self, *args: Any, max_length: int = 200, **kwargs: Any) -> None:
        self.form_max_length = max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["max_length"] = self.form_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any):
        from django import forms

        kwargs.setdefault("max_length", self.form_max_length)
        kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)
