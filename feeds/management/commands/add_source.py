from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feeds.models import FeedFormat, Source
from groups.management.commands.import_groups import may_publish
from groups.models import Audience, Condition, GroupType, Orientation

FORMATS = {f.value: f for f in FeedFormat}


class Command(BaseCommand):
    help = (
        "Adds a source (an open meeting list), or updates the one of that name. Its new "
        "listings wait for a moderator unless --trusted is given, which needs --by: a "
        "moderator's account (the approve permission), as publishing an import does."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help='Listings say "From the NAME meeting list".')
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--url", required=True)
        parser.add_argument("--group-type", default="twelve_step", help="A group type's slug.")
        parser.add_argument("--condition", action="append", default=[], help="Repeatable slug.")
        parser.add_argument("--audience", action="append", default=[], help="Repeatable slug.")
        parser.add_argument("--orientation", choices=Orientation.values, default="inward")
        parser.add_argument("--trusted", action="store_true", help="Publish new listings at once.")
        parser.add_argument(
            "--by", metavar="EMAIL", help="The moderator trusting it (the approve permission)."
        )
        parser.add_argument("--every", type=int, default=None, help="Hours between checks (>= 1).")
        parser.add_argument("--licence", default=None, help="Its licence or our permission.")
        parser.add_argument("--attribution", default=None, help="What listings must credit.")
        parser.add_argument("--notify", action="append", default=[], help="Email (repeatable).")

    @transaction.atomic
    def handle(self, *args, name: str, **opts):
        source = Source.objects.filter(name=name).first() or Source(name=name)
        created = source.pk is None
        source.format = FORMATS[opts["format"]]
        source.url = opts["url"]
        source.group_type = self._term(GroupType, opts["group_type"], "--group-type")
        source.orientation = opts["orientation"]
        if opts["trusted"] and not may_publish(opts["by"]):
            raise CommandError("--trusted needs --by EMAIL: a moderator's account.")
        source.trusted = opts["trusted"]
        if opts["every"] is not None:
            source.check_every_hours = opts["every"]
        for name_ in ("licence", "attribution"):
            if opts[name_] is not None:
                setattr(source, name_, opts[name_])
        if opts["notify"]:
            source.notify = "\n".join(opts["notify"])
        if created and not source.licence:
            source.licence = "Not recorded yet: record its licence or our permission in the admin."
        conditions = [self._term(Condition, s, "--condition") for s in opts["condition"]]
        audiences = [self._term(Audience, s, "--audience") for s in opts["audience"]]
        if created and not conditions:
            raise CommandError("Give at least one --condition for its listings.")
        try:
            source.full_clean()
        except ValidationError as exc:
            problems = [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
            raise CommandError("; ".join(problems)) from None
        source.save()
        if conditions:
            source.conditions.set(conditions)
        if audiences or created:
            source.audiences.set(audiences)
        verb = "Added" if created else "Updated"
        trust = "new listings are published" if source.trusted else "new listings wait for review"
        self.stdout.write(f"{verb} {source.name} ({source.get_format_display()}; {trust}).")

    def _term(self, model, slug: str, option: str):
        term = model.objects.filter(slug=slug).first()
        if term is None:
            choices = ", ".join(model.objects.values_list("slug", flat=True))
            raise CommandError(f"{option} {slug!r} is not one of: {choices}")
        return term
