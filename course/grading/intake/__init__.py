"""What students hand in, taken as a stranger's: exchange entries, submitted folders and the ids that name them.

Every file a student hands in is untrusted on every path, plain ``nbgrader``
included: :mod:`~course.grading.intake.files` reads only regular files, never
through a link, bounded by size and kind; :mod:`~course.grading.intake.ids` says
which student ids are data and which are refused; :mod:`~course.grading.intake.collect`
is the exchange's collect step (``ExchangeFactory.collect`` in
``nbgrader_config.py``) that takes an entry only from its owner, at the time the
file system saw it written; :mod:`~course.grading.intake.converters` puts the same
checks in front of nbgrader's autograde and feedback converters.
"""
