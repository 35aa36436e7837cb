"""Encrypted, consistent backups of the practice database (`alliance backup`, `alliance restore`)."""
