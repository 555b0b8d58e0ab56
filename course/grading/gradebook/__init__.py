"""The gradebook: storage and records (``store``), backup and rollback of a grading that fails
(``rollback``), what can be wrong with it (``integrity``), one grader per submission at a time (``claims``).
"""
