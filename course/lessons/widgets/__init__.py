"""Interactive views for the lesson notebooks, each with a static fallback.

The views, built on ipywidgets, for students working in JupyterLab, one
module each (``reader``, ``sorter``, ``comparer``, ``explorer``; what they
share is in ``common`` and the document's HTML in ``marking``):

* :class:`DocumentReader` reads the document section by section with its
  citations, quotations and claims highlighted; a claim picked from the list
  is marked in the text and explained beside it ("first read" hides the
  verdicts, "checked" shows them with the evidence links).
* :class:`ClaimSorter` is practice (not graded): one sentence at a time, the
  student says what kind of statement the marked words are and gets the
  reason at once.
* :class:`QuoteComparer` puts a quotation as the document prints it beside
  the original wording found in a source, with word-level differences marked.
* :func:`timeline_explorer` filters the timeline by actor, mention and year.

Where widgets cannot run (a static HTML export, GitHub's notebook preview)
each view still reads: ``_repr_mimebundle_`` returns the widget view *and* a
``text/html`` rendering (:meth:`static_html`), and the highlights never rely on
colour alone (shapes, underline styles and text tags carry the meaning; the
colours are Okabe-Ito). All text is escaped with :func:`html.escape`, and
Arabic runs are wrapped in ``<span dir="rtl" lang="ar">`` so they stay
right-to-left inside the English text.

ipywidgets is imported inside the classes, not here, so importing the module
stays cheap. The pure functions (:func:`document_html`, :func:`word_diff`,
:func:`claim_detail_html`, ...) build the same HTML without widgets and are
what the tests and the static fallbacks use.

Stable CSS classes for notebooks and browser tests: ``course-document-reader``,
``course-section-picker``, ``course-prev-section``, ``course-next-section``,
``course-mode-toggle``, ``course-claim-picker`` (its buttons are the claims),
``course-document-text``, ``course-claim-detail`` and ``course-detail-view`` (the
same panel), ``course-hl`` (every highlight span), ``course-claim-sorter``, ``course-sorter-labels``,
``course-sorter-check``, ``course-sorter-next``, ``course-sorter-feedback``,
``course-quote-comparer``, ``course-pair-picker``, ``course-quote-view``.
"""


from course.lessons.widgets.common import (
    ARABIC_RUN, CLAIM_TYPE_GROUPS, LANGUAGE_NAMES, MODE_LABELS, MODES, OKABE_ITO, RELATION_LABELS, SECTION_KEYS, STYLE,
    VERDICT_DISPLAY, StaticFallbackView, escape_text, evidence_list_html, link_html, static_page, verdict_html,
)
from course.lessons.widgets.comparer import QuoteComparer, diff_legend, comparison_html, quote_pairs_by_id, word_diff
from course.lessons.widgets.explorer import timeline_explorer
from course.lessons.widgets.marking import (
    Highlight, claim_badge, claim_detail_html, claim_spans, claims_by_id, document_highlights, document_html,
    legend_html, render_marked_text, render_range_html, section_claims_table_html, section_html, section_key,
    section_label, section_range,
)
from course.lessons.widgets.reader import DocumentReader
from course.lessons.widgets.sorter import (
    DEFAULT_SORTER_CLAIMS, LABEL_REASONS, PRACTICE_LABEL_BY_CLAIM_TYPE, SORTER_LABELS, ClaimSorter, SorterItem,
    practice_label, sorter_item,
)
