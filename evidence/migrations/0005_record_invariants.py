"""The invariants of a record (issue 12), now that 0004 has corrected the records: a valid
kind, subject and origin; a direction exactly when the record is an outcome study or a
systematic review; and the review's words for every record taken from the review."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0004_correct_review_records"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('design__in', ['systematic_review', 'meta_analysis', 'review', 'rct', 'non_randomised_controlled', 'cohort', 'before_after', 'cross_sectional_survey', 'qualitative', 'case_study', 'action_research', 'anecdote', 'guideline', 'other'])), name='evidence_design_valid'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['outcome_study', 'systematic_review', 'descriptive', 'opinion', 'own_figures', 'background'])), name='evidence_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('studied__in', ['mutual_aid', 'facilitation', 'mixed', 'not_mutual_aid', 'not_stated'])), name='evidence_studied_valid'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(('origin__in', ['review_2008', 'source_itself'])), name='evidence_origin_valid'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ('outcome_study', 'systematic_review')), ('outcome_direction__in', ['positive', 'negative', 'mixed', 'inconclusive', 'no_effect'])), models.Q(models.Q(('kind__in', ('outcome_study', 'systematic_review')), _negated=True), ('outcome_direction', '')), _connector='OR'), name='evidence_direction_only_for_outcomes'),
        ),
        migrations.AddConstraint(
            model_name='evidence',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('origin', 'review_2008'), _negated=True), models.Q(('basis', []), _negated=True), _connector='OR'), name='evidence_review_records_have_a_basis'),
        ),
    ]
