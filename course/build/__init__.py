"""The build: every generated file, the step that makes it from its inputs, one command to write them all or check them

``python -m course build`` runs every step of :data:`course.build.steps.STEPS`
in order (a step may read what an earlier one wrote); ``--check`` writes
nothing and prints one line per output that differs from what its step would
write. It sits on the command line's floor, above the wings, because its steps
come from every wing.
"""
