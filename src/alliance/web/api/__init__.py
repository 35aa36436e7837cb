"""The JSON API under /api/v1/: tokens with scopes, resources, FHIR endpoints, idempotency."""
