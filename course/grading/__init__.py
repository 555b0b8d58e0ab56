"""The grading wing: the instructor pipeline on nbgrader.

``verbs`` holds one function per CLI verb (release, collect, autograde,
feedback, grades); ``classdir`` the class folder and nbgrader configuration;
``parallel`` the worker pool; ``gradebook`` backup, resume and integrity;
``feedback`` and ``leaks`` keep hidden tests out of what students get;
``selfcheck`` and ``demo`` run the same pipeline for one learner and for the
synthetic class; ``sandbox/`` runs student code. Only the CLI imports it.

Kept free of imports: a sandboxed kernel starts as
``python -m course.grading.sandbox.kernel`` and must not pay for nbgrader.
"""
