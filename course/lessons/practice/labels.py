"""The words shown for each answer of the check-yourself questions (``notebooks/practice.toml``, ``[labels.*]``)."""

from __future__ import annotations

from course.lessons import content

_LABELS = content.load("practice.toml")["labels"]

#: Answer labels shown to students (notebooks/practice.toml, [labels.*]).
CLAIM_TYPE_MEANINGS = _LABELS["claim_type"]
COMPARISON_LABELS = _LABELS["comparison"]
WEAKNESS_LABELS = _LABELS["weakness"]
SOURCE_FIELD_PROMPTS = _LABELS["source_field_prompt"]
CITATION_KIND_LABELS = _LABELS["citation_kind"]
COPY_OR_ORIGINAL_LABELS = _LABELS["copy_or_original"]

