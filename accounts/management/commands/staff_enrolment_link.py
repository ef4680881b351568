from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import enrolment


class Command(BaseCommand):
    help = (
        "Prints a link that lets the first staff member set up two-factor authentication "
        "(valid 24 hours, in a browser signed in to that account). Once a staff member "
        "has two-factor, they send links to others from the admin instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="the staff member's email address")

    def handle(self, *args, email: str, **options) -> None:
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No active staff account has the address {email}.")
        if enrolment.has_authenticator(user):
            raise CommandError(f"{email} has two-factor authentication already.")
        others = enrolment.others_with_two_factor(user)
        if others:
            raise CommandError(
                f"{others} other staff member(s) have two-factor authentication: one of them "
                "sends the link from the admin (Users, 'Email a two-factor set-up link')."
            )
        self.stdout.write(enrolment.link_url(user))
