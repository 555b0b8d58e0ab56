"""Export the kit's verdicts as schema.org ClaimReview records (JSON-LD).

Fact-checkers publish verdicts in this shape so search engines and other
checkers can read them. One record per checkable claim (rows rated
``not_checkable`` are value judgements or framings, not claims of fact, and
are left out). ``python -m course export claimreview`` calls
:func:`claim_reviews` and :func:`write_claim_reviews`.

Verdicts that graded work assesses (and the claims that would give them away)
are the answer key: they live in the assessment bank (:mod:`course.evidence.bank`)
and are left out unless the instructor asks for them (``include_assessed``,
``--include-assessed``, which needs the bank: the grader's side only).
"""

from __future__ import annotations

import json
from pathlib import Path

from course.evidence import data, vocabulary

#: Verdicts on a 1-5 scale (5 best); verdicts with no place on it get no ratingValue.
RATING_VALUES = {"accurate": 5, "partly_accurate": 3, "inaccurate": 1}
#: Each verdict's name in a rating: its label in notebooks/vocabulary.toml (read on first use).
RATING_NAMES = vocabulary.Projection("verdict", lambda verdict: vocabulary.label("verdict", verdict))

#: Where the document appears (read by lateral reading; see data/README.md).
DOCUMENT_APPEARANCE = "http://www.khilafah.com/qa-the-military-coup-detat-in-mali/"
DOCUMENT_ORIGINAL = "https://hizb-ut-tahrir.info/ar/index.php/ameer/political-questions/70336.html"
DOCUMENT_PUBLISHER = "Hizb ut-Tahrir"
DOCUMENT_DATE = "2020-09-01"
REVIEW_AUTHOR = "Mali coup source-evaluation kit, fact-check desk"
REVIEW_DATE = "2026-11-29"


def assessed_claims() -> set[str]:
    """The claims whose verdicts the assessment bank holds."""
    from course.evidence import bank

    return bank.banked_ids().get("claims", set())


def claim_reviews(base_url: str = "claims.csv", include_assessed: bool = False) -> list[dict]:
    """Return one ClaimReview dict per claim whose verdict is not ``not_checkable``.

    ``base_url`` is where the reviews are published; each record's ``url`` is
    ``<base_url>#<claim_id>`` (the default points into the kit's own table).
    Assessed verdicts are left out unless ``include_assessed`` (module docstring).
    """
    from course.document import load_document
    from course.evidence.corrections import date_modified

    from course.evidence import bank

    load = bank.full_table if include_assessed else data.table
    document = load_document()
    pages = load("evidence").set_index("evidence_id")
    modified = date_modified("claims", full=include_assessed)
    records = []
    for _, row in load("claims").iterrows():
        if row["verdict"] == "not_checkable":
            continue
        rating = {"@type": "Rating", "alternateName": RATING_NAMES[row["verdict"]], "bestRating": 5, "worstRating": 1}
        if row["verdict"] in RATING_VALUES:
            rating["ratingValue"] = RATING_VALUES[row["verdict"]]
        evidence = [pages.at[e, "url"] for e in data.split_ids(row["evidence_ids"]) if e in pages.index]
        record = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"{base_url}#{row['claim_id']}",
            "identifier": row["claim_id"],
            "claimReviewed": row["claim_text"],
            "reviewBody": row["rating_explanation"],
            "datePublished": REVIEW_DATE,
            "author": {"@type": "Organization", "name": REVIEW_AUTHOR},
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Organization", "name": DOCUMENT_PUBLISHER},
                "datePublished": DOCUMENT_DATE,
                "appearance": [
                    {"@type": "CreativeWork", "url": DOCUMENT_APPEARANCE, "headline": document.title},
                ],
                "firstAppearance": {"@type": "CreativeWork", "url": DOCUMENT_ORIGINAL, "inLanguage": "ar"},
                "text": row["exact"],
            },
            "reviewRating": rating,
            "citation": evidence,
        }
        if row["claim_id"] in modified:
            # schema.org CreativeWork.dateModified: the claim's verdict or explanation was corrected (corrections.csv)
            record["dateModified"] = modified[row["claim_id"]].isoformat()
        records.append(record)
    return records


def write_claim_reviews(output: Path | str | None = None, base_url: str = "claims.csv",
                        include_assessed: bool = False) -> tuple[int, str]:
    """Write the records as a JSON-LD array to ``output`` (or return the text for stdout).

    Returns (number of records, the text written).
    """
    records = claim_reviews(base_url=base_url, include_assessed=include_assessed)
    text = json.dumps(records, ensure_ascii=False, indent=2)
    if output is not None:
        Path(output).write_text(text + "\n", encoding="utf-8")
    return len(records), text
