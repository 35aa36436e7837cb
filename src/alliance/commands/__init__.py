"""The commands of the pure packages: `alliance score`, `instruments`, `monitor`, `outcomes`,
`research` and `transcripts`, one module per package.

They start without Django (no settings, no database), so they answer fast and work on any
file a researcher or a practitioner hands them. `alliance.cli` registers them beside the web
layer's commands in `alliance.web.commands`.
"""
