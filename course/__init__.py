"""A course kit that teaches source evaluation through one primary document.

The package stays light on import: ``python -m course --help`` must start fast,
so heavy libraries (pandas, matplotlib, nbgrader) are imported inside the
functions that need them.
"""

__version__ = "0.1.0"
