"""Conditions, group types and audiences that every install needs. Slugs are stable
identifiers used in URLs, the API and the CSV import; names may be edited in the admin."""

from django.db import migrations

CONDITIONS = [
    ("alcohol", "Alcohol", "Problems with drinking, alcohol dependence and recovery."),
    ("drugs", "Drugs", "Problems with illicit or prescribed drugs, dependence and recovery."),
    ("gambling", "Gambling", "Problem gambling."),
    ("dual_diagnosis", "Dual diagnosis", "A mental health problem together with substance use."),
    ("depression", "Depression", ""),
    ("anxiety", "Anxiety", "Including panic, phobias and obsessive-compulsive disorder."),
    ("bipolar", "Bipolar disorder", ""),
    ("psychosis", "Psychosis", "Including hearing voices and schizophrenia."),
    ("severe_mental_illness", "Severe mental illness", ""),
    ("eating_disorders", "Eating disorders", ""),
    ("self_harm", "Self-harm", ""),
    ("trauma", "Trauma", "Including post-traumatic stress and survivors of abuse."),
    ("personality_disorder", "Personality disorder", ""),
    ("bereavement", "Bereavement", "Including bereavement by suicide."),
    ("chronic_fatigue_syndrome", "Chronic fatigue syndrome (ME/CFS)", ""),
    ("chronic_physical_illness", "Long-term physical illness", ""),
    ("hiv_hepatitis", "HIV and hepatitis", ""),
    ("homelessness", "Homelessness", ""),
    ("domestic_abuse", "Domestic abuse", ""),
    ("offending", "Offending", "People in or leaving the criminal justice system."),
    ("learning_disability", "Learning disability", ""),
    (
        "general_wellbeing",
        "Mental health and wellbeing (general)",
        "Not specific to one condition.",
    ),
]

GROUP_TYPES = [
    ("twelve_step", "Twelve-step fellowship", "Meetings that follow a twelve-step programme."),
    (
        "peer_support",
        "Peer support group",
        "People with shared experience meeting to support each other.",
    ),
    ("activity_based", "Activity-based group", "Walking, gardening, arts or sport together."),
    ("educational", "Educational group", "Learning about a condition, its treatment and coping."),
    ("advocacy", "Advocacy and campaigning", "Working to change services, attitudes or policy."),
    (
        "self_management",
        "Self-management programme",
        "A structured course or toolkit for managing a condition.",
    ),
    (
        "harm_reduction",
        "Harm reduction group",
        "Reducing harm for people who may still be using drugs or alcohol.",
    ),
    ("residential", "Residential community", "Living together in a recovery community."),
    (
        "user_run_business",
        "User-run business",
        "A social enterprise or cooperative run by people with lived experience.",
    ),
    ("faith_based", "Faith-based group", "Mutual aid rooted in a faith tradition."),
    ("other", "Other", ""),
]

AUDIENCES = [
    ("women", "Women"),
    ("men", "Men"),
    ("young_people", "Young people"),
    ("older_people", "Older people"),
    ("carers_family", "Carers and family"),
    ("lgbtq", "LGBTQ+ people"),
    ("professionals", "Professionals"),
    ("minority_ethnic", "Minority ethnic communities"),
]


def seed(apps, schema_editor):
    Condition = apps.get_model("groups", "Condition")
    GroupType = apps.get_model("groups", "GroupType")
    Audience = apps.get_model("groups", "Audience")
    for position, (slug, name, description) in enumerate(CONDITIONS):
        Condition.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for position, (slug, name, description) in enumerate(GROUP_TYPES):
        GroupType.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )
    for position, (slug, name) in enumerate(AUDIENCES):
        Audience.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("groups", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
