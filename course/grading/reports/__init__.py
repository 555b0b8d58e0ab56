"""What a run tells people: the autograde summary (``autograde``), the feedback's words and inert HTML
(``feedback``), the grade report and LMS export (``grades``), item analysis, its figure and the
``report`` verb (``itemanalysis``, ``itemfigure``, ``itemreport``).
"""
