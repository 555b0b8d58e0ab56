"""The lessons wing: what students see.

``manifest`` reads ``notebooks/lessons.toml`` and exports static HTML;
``content`` reads the other content files beside the notebooks
(``practice.toml``, ``sorter.toml``, ``exercises.toml``, and ``words.toml``,
where every word a widget, view or chart shows is kept); ``views`` shows the
kit's tables for a reader (full text, wrapped, no reprs); ``charts`` draws
every figure (alt text, Okabe-Ito palette, text at least 11 px on screen);
``widgets`` holds the interactive views, one module each; ``practice`` asks
the check-yourself questions (``practice.findings`` says what would give an
answer away, for the predict-then-reveal tests); ``exercises`` gives each open
exercise an answer box and a model answer; ``argumentmap`` draws the
document's argument; ``workspace`` makes a student's own copies
(``python -m course start``). It reads the evidence and document wings and
never the grading wing.
"""
