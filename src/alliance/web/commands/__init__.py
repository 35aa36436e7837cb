"""The `alliance` command's web-side commands, one module per area (an entry point).

Each module is a thin typer command over its feature's actions, set up through
`alliance.web.bootstrap.setup_django` and registered in `alliance/cli.py`; none imports
another, and no feature imports them.
"""
