"""What each format's common codes mean in our taxonomy. Admins edit these rows (or add a
source's own) in the admin; this is where every install starts."""

from django.db import migrations

MEETING_GUIDE = [
    ("W", "audience", "women"),
    ("M", "audience", "men"),
    ("Y", "audience", "young_people"),
    ("SEN", "audience", "older_people"),
    ("LGBTQ", "audience", "lgbtq"),
    ("G", "audience", "lgbtq"),
    ("L", "audience", "lgbtq"),
    ("BI", "audience", "lgbtq"),
    ("T", "audience", "lgbtq"),
    ("NB", "audience", "lgbtq"),
    ("P", "audience", "professionals"),
    ("POC", "audience", "minority_ethnic"),
    ("DD", "condition", "dual_diagnosis"),
    ("X", "step_free", ""),
    ("ONL", "online", ""),
    ("TC", "temporarily_closed", ""),
    ("EN", "language", "en"),
    ("S", "language", "es"),
    ("FR", "language", "fr"),
    ("DE", "language", "de"),
    ("ITA", "language", "it"),
    ("POL", "language", "pl"),
    ("POR", "language", "pt"),
    ("RUS", "language", "ru"),
    ("UK", "language", "uk"),
    ("LT", "language", "lt"),
    ("HU", "language", "hu"),
    ("SK", "language", "sk"),
    ("PUN", "language", "pa"),
    ("HI", "language", "hi"),
    ("FA", "language", "fa"),
    ("ASL", "language", "ase"),
]

# BMLT format keys as UK and NA World Services servers commonly write them.
BMLT = [
    ("W", "audience", "women"),
    ("M", "audience", "men"),
    ("YP", "audience", "young_people"),
    ("Y", "audience", "young_people"),
    ("GL", "audience", "lgbtq"),
    ("LGBTQ", "audience", "lgbtq"),
    ("WC", "step_free", ""),
    ("WCHR", "step_free", ""),
    ("VM", "online", ""),
    ("HY", "hybrid", ""),
    ("TC", "temporarily_closed", ""),
    ("BSL", "language", "bfi"),
    ("ES", "language", "es"),
    ("CY", "language", "cy"),
]


def seed(apps, schema_editor):
    CodeMapping = apps.get_model("feeds", "CodeMapping")
    Audience = apps.get_model("groups", "Audience")
    Condition = apps.get_model("groups", "Condition")
    rows = [("meeting-guide", *row) for row in MEETING_GUIDE] + [("bmlt", *row) for row in BMLT]
    # Our own HSDS output tags each service with our slugs: read them back as they are.
    rows += [("hsds", c.slug, "condition", c.slug) for c in Condition.objects.all()]
    rows += [("hsds", a.slug, "audience", a.slug) for a in Audience.objects.all()]
    for fmt, code, effect, target in rows:
        fields = {"audience": None, "condition": None, "language": ""}
        if effect == "audience":
            fields["audience"] = Audience.objects.filter(slug=target).first()
        elif effect == "condition":
            fields["condition"] = Condition.objects.filter(slug=target).first()
        elif effect == "language":
            fields["language"] = target
        if effect in {"audience", "condition"} and fields[effect] is None:
            continue
        CodeMapping.objects.get_or_create(
            format=fmt, source=None, code=code, effect=effect, defaults=fields
        )


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial"), ("groups", "0002_seed_taxonomies")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
