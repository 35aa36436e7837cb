from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "alliance.web.measures"
    label = "measures"
    verbose_name = "Measures and checks"

    def ready(self) -> None:
        from alliance.web.measures.episode_summary import answers_part
        from alliance.web.practice.summaries import add_part

        add_part(answers_part)
