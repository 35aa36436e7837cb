"""The pages that compose several features: caseload, client page, session page, prep screen.

They stand on the entry floor (docs/architecture.md): they may import every feature, and no
app imports them. A page of one feature stays in that feature's app.
"""
