"""The review's own words that the site quotes outside any one record (tests check each
against the review's text), and how we name it and its age."""

REVIEW_SHORT = "Baldacchino, Caan & Munn-Giddings (2008)"
REVIEW_CITATION = (
    "Baldacchino, A., Caan, W., & Munn-Giddings, C. (2008) Mutual aid groups in psychiatry "
    "and substance misuse. Mental Health and Substance Use: dual diagnosis, 1(2), 104\u2013117."
)
# How old the evidence is: the authors assessed the material in 2004, and the latest
# source they cite was retrieved in February 2008.
REVIEW_AGE = "a 2008 review of literature up to about 2004 (Baldacchino, Caan and Munn-Giddings)"

# The review's four caveats, in its words, in the order the issue lists them.
PUBLICATION_BIAS = (
    "Publication and author bias may have led to many more reports of positive studies than "
    "negative ones"
)
SUBJECTIVE_ONLY = "The evidence describes only subjective improvements"
UK_RARE = "rarely were reported"
POOR_QUALITY = "The quality of many papers and reports was poor"

CAVEATS_SENTENCE = (
    f"The review's authors warn that \u201c{PUBLICATION_BIAS}\u201d; that \u201c"
    f"{SUBJECTIVE_ONLY}\u201d; that outcome studies from the UK \u201c{UK_RARE}\u201d; and "
    f"that \u201c{POOR_QUALITY}\u201d."
)

HARM_REDUCTION = (
    "Anecdotally, high mobility of members and mortality of leaders limited any formal "
    "evaluation of these groups in London"
)
BOUNDARIES = (
    "boundary issues need to be resolved appropriately, before the clinician can legally "
    "and ethically delegate to these groups any clinical responsibility for the care of a "
    "patient"
)

QUOTED = (PUBLICATION_BIAS, SUBJECTIVE_ONLY, UK_RARE, POOR_QUALITY, HARM_REDUCTION, BOUNDARIES)
