"""Webhooks: signed event deliveries to an organisation's systems, retried by the task queue."""
