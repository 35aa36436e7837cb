from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "alliance.web.transcripts"
    label = "transcripts"
    verbose_name = "Transcripts"
