"""Running the grading: the verbs (``verbs``: release, collect, autograde, feedback, grades), many
submissions at once (``parallel``) in worker processes (``worker``), each through the one autograde
engine (``engine``), and the synthetic demo class (``demo``) that exercises the whole round trip.
"""
