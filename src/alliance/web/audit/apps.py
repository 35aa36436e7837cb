from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "alliance.web.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from alliance.web.audit.log import clear_token

        # A worker thread serves many requests: no token may outlive the one it came with.
        request_started.connect(clear_token, dispatch_uid="audit_clear_token_start")
        request_finished.connect(clear_token, dispatch_uid="audit_clear_token_end")
