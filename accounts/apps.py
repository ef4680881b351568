from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and email"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
