"""The evidence wing: the Frictionless data package in ``data/``.

``data`` loads its tables (typed, cached); ``check`` and ``rules`` validate it;
``datadoc`` writes its column dictionary; ``claimreview`` exports schema.org
ClaimReview; ``record`` joins tables into the views lessons show. It builds on
the document wing (anchors resolve in the document) and never imports the
lessons or grading wings.
"""
