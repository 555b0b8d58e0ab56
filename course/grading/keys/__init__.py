"""Answer keys: the one answer checker every value item's tests call, and the instructor-only keys they come from.

``check`` is the checker (a student's kernel imports it: kept free of heavy imports); ``keyfile`` reads the key
files in ``bank/keys/`` and generates the test cells from them; ``practice`` does the same for the practice set;
``answers`` builds answers from the answer cells' key metadata (the released stub, a perfect or partial
submission), so it lives with the keys it reads.
"""
