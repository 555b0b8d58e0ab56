"""What a student receives, and the checks that it gives no answer away.

``packets`` (the source pages released with an assignment), ``diagnostic`` (the before/after
diagnostic's notebooks, generated from data and keys), ``leaks`` (solution and hidden-test text in
released notebooks and feedback) and ``keyleaks`` (a graded item's answer anywhere a student can reach).
"""
