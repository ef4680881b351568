"""'Did you mean …?' for keywords that match nothing, on every database.

The vocabulary is the words people would search for: the taxonomies' names and the words
of published groups' names and summaries. Each process keeps it for MEMO_SECONDS (it is
read only when a keyword search finds nothing). Nothing a user types is kept.
"""

from __future__ import annotations

import difflib
import re

from django.conf import settings

from directory.memo import Memo

from . import taxonomy
from .models import Group

WORD_RE = re.compile(r"[^\W\d_]{3,}")
# Close enough to be the word meant: "alcohl" to "alcohol" (0.92), "gamblng" to "gambling".
CUTOFF = 0.75


def _vocabulary() -> frozenset[str]:
    words: set[str] = set()
    for terms in (taxonomy.conditions(), taxonomy.group_types(), taxonomy.audiences()):
        for term in terms.all:
            words.update(WORD_RE.findall(term.name.lower()))
    rows = Group.objects.published().values_list("name", "summary")
    for name, summary in rows.iterator(chunk_size=5000):
        words.update(WORD_RE.findall(f"{name} {summary}".lower()))
    return frozenset(words)


_vocabulary_memo = Memo(_vocabulary, lambda: settings.MEMO_SECONDS)


def did_you_mean(q: str) -> str | None:
    """The keywords with each unknown word replaced by the closest known one, or None when
    no word could be corrected."""
    vocabulary = _vocabulary_memo.get()
    corrected, changed = [], False
    for term in q.split():
        word = term.lower()
        if word in vocabulary or len(word) < 3 or not word.isalpha():
            corrected.append(term)
            continue
        close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=CUTOFF)
        if close:
            corrected.append(close[0])
            changed = True
        else:
            corrected.append(term)
    return " ".join(corrected) if changed else None
