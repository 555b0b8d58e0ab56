"""The words shown for each answer of the check-yourself questions: the vocabulary's and ``practice.toml``'s ``[labels.*]``.

Nothing is read at import: each name is a mapping that reads its file on first use.
"""

from __future__ import annotations

from course.evidence import vocabulary
from course.lessons import content

#: Claim type -> its choice as shown ("date: when something happened").
CLAIM_TYPE_CHOICES = vocabulary.shown_words("claim_type")
#: Citation comparison and reasoning weakness -> the words shown (notebooks/vocabulary.toml).
COMPARISON_LABELS = vocabulary.shown_words("comparison")
WEAKNESS_LABELS = vocabulary.shown_words("weakness")
#: Answer labels only these questions use (notebooks/practice.toml, [labels.*]).
SOURCE_FIELD_PROMPTS = content.Section("practice.toml", "labels", "source_field_prompt")
CITATION_KIND_LABELS = content.Section("practice.toml", "labels", "citation_kind")
COPY_OR_ORIGINAL_LABELS = content.Section("practice.toml", "labels", "copy_or_original")
