"""Allow `python -m alliance`."""

from alliance.cli import app

app()
