from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and email"

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .throttle import forget_after_password_reset

        password_reset.connect(forget_after_password_reset)
