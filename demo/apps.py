from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data set (`manage.py load_demo`, run by `make run` on first start): organisations,
    users, a generated network, its complex connections and an alert. It uses every domain app, so
    it sits at the top of the layers (docs/architecture.md), next to `config`; nothing imports it."""

    name = "demo"
    verbose_name = "Démo"
