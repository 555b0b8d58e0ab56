"""Running untrusted student notebooks: bubblewrap, resource limits, the nbgrader executor.

Kept free of imports (see :mod:`course.grading`).
"""
