"""A JSON column stored encrypted at rest (the analysis holds the words of the conversation)."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from alliance.web.crypto import PREFIX, EncryptedTextField, decrypt, encrypt


class EncryptedJSONField(EncryptedTextField):
    """JSON-serialisable data kept as encrypted text; key rotation treats it like any text."""

    description = "JSON encrypted at rest with ALLIANCE_DATA_KEY"
    # What django-stubs reads for the model attribute's type: JSON data, as models.JSONField.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(decrypt(value))

    def to_python(self, value):
        if isinstance(value, str):
            text = decrypt(value) if value.startswith(PREFIX) else value
            return json.loads(text) if text else None
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)
