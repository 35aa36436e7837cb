"""Tests of the webhooks app: signed deliveries to real local HTTP servers, admin pages."""
