"""`alliance serve` collects static files only when they changed since the last start."""

from __future__ import annotations

import os

from alliance.cli import _collect_static_if_changed


def test_static_files_are_collected_once_and_again_only_after_a_change(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    source = tmp_path / "source"
    source.mkdir()
    style = source / "extra.css"
    style.write_text("body { color: black; }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, source]

    _collect_static_if_changed()
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    first = manifest.stat().st_mtime_ns
    assert (settings.STATIC_ROOT / "extra.css").exists()

    _collect_static_if_changed()  # nothing changed: nothing is collected
    assert manifest.stat().st_mtime_ns == first

    style.write_text("body { color: navy; }")
    os.utime(style, ns=(first + 10**9, first + 10**9))
    _collect_static_if_changed()
    assert manifest.stat().st_mtime_ns != first
    assert "navy" in (settings.STATIC_ROOT / "extra.css").read_text()
