"""What a record is: its kind of evidence, what was studied, where it was taken from and the
review's own words it rests on (issue 12). Directions become the five outcome directions,
blank for records that are not outcome studies or systematic reviews; the constraints that
hold these together are added by 0005, once 0004 has corrected the records."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0002_load_review_evidence"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='evidence',
            name='evidence_design_valid',
        ),
        migrations.RemoveConstraint(
            model_name='evidence',
            name='evidence_outcome_direction_valid',
        ),
        migrations.AddField(
            model_name='evidence',
            name='basis',
            field=models.JSONField(blank=True, default=list, help_text='For records taken from the 2008 review: the review\'s own words this record rests on, copied exactly, as a list: ["fragment one", "fragment two"].'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='journal_article',
            field=models.BooleanField(default=False, help_text='A journal article: its page links to a PubMed search.'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='kind',
            field=models.CharField(choices=[('outcome_study', 'Outcome study'), ('systematic_review', 'Systematic review'), ('descriptive', 'Descriptive or qualitative account'), ('opinion', 'Opinion or claim'), ('own_figures', "An organisation's own figures or claims"), ('background', 'Background, policy or guidance')], default='descriptive', help_text='Only outcome studies (something measured in the people who took part) and systematic reviews can count towards a certainty rating.', max_length=20, verbose_name='kind of evidence'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='evidence',
            name='main_outcome',
            field=models.CharField(blank=True, help_text="What the outcome was, in a few words, for the certainty line: 'continuous abstinence', 'response to clinical treatment'.", max_length=200),
        ),
        migrations.AddField(
            model_name='evidence',
            name='origin',
            field=models.CharField(choices=[('review_2008', 'The 2008 review (Baldacchino, Caan and Munn-Giddings)'), ('source_itself', "The source itself, read by the directory's editors")], default='review_2008', help_text='Evidence from the 2008 review is rated down for publication bias.', max_length=20, verbose_name='taken from'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='studied',
            field=models.CharField(choices=[('mutual_aid', "Mutual aid (as the review's Box 1 defines it)"), ('facilitation', 'A professional intervention whose aim is attendance at mutual aid (such as twelve-step facilitation)'), ('mixed', 'Mixed: started or supported by professionals, run by members'), ('not_mutual_aid', 'Not mutual aid: groups designed or run by clinicians, or supervised therapeutic communities'), ('not_stated', 'Not stated')], default='not_stated', help_text='Records about groups that are not mutual aid never count towards a rating.', max_length=20, verbose_name='what was studied'),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='design',
            field=models.CharField(choices=[('systematic_review', 'Systematic review'), ('meta_analysis', 'Meta-analysis'), ('review', 'Review'), ('rct', 'Randomised controlled trial'), ('non_randomised_controlled', 'Non-randomised controlled study'), ('cohort', 'Cohort study'), ('before_after', 'Before-and-after study'), ('cross_sectional_survey', 'Cross-sectional survey'), ('qualitative', 'Qualitative study'), ('case_study', 'Case study'), ('action_research', 'Action research'), ('anecdote', 'Anecdotal report'), ('guideline', 'Guideline or policy'), ('other', 'Design not reported')], max_length=30),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='outcome_direction',
            field=models.CharField(blank=True, choices=[('positive', 'Positive'), ('negative', 'Negative'), ('mixed', 'Mixed'), ('inconclusive', 'Inconclusive'), ('no_effect', 'No effect found')], help_text='Outcome studies and systematic reviews only; blank for any other kind.', max_length=20),
        ),
    ]
