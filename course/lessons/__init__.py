"""The lessons wing: what students see.

``manifest`` reads ``notebooks/lessons.toml`` and exports static HTML;
``charts`` draws every figure (alt text, Okabe-Ito palette); ``widgets`` holds
the interactive views, one module each; ``practice`` asks the check-yourself
questions; ``argumentmap`` draws the document's argument. It reads the
evidence and document wings and never the grading wing.
"""
