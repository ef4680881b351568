from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Data exchange (Open Referral HSDS, CSV)"
