"""Start an IPython kernel for grading: ``ipykernel_launcher`` without the debugger's start-up cost.

ipykernel 7 imports ``debugpy`` (and its vendored pydevd) whenever it starts a
kernel, so that a front end may attach a debugger: measured in the sandbox,
0.54 -> 0.38 CPU-s to the first cell, 0.09 CPU-s net per notebook (pandas
imports some of the same modules later). A grading kernel runs one notebook for
nbclient, which never sends a debug request, so :mod:`course.grading.sandbox.bwrap` starts
kernels with ``python -m course.grading.sandbox.kernel`` instead of
``python -m ipykernel_launcher`` (same arguments). The only differences:
ipykernel believes debugpy is missing (its ``kernel_info`` does not list the
"debugger" feature), and ``sys.argv[0]`` names this file. Student code can
still ``import debugpy`` if it is installed: it is blocked only while
ipykernel looks for it.
"""

import sys
from pathlib import Path


def main() -> None:
    """Do what ``ipykernel_launcher`` does, with debugpy hidden while ipykernel is imported."""
    # Remove the CWD from sys.path while we load stuff (as ipykernel_launcher does);
    # InteractiveShellApp.init_path() adds it back for the student's code.
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    # None in sys.modules makes "import debugpy" raise ImportError: ipykernel.debugger
    # then records _is_debugpy_available = False and never loads pydevd.
    hidden = "debugpy" not in sys.modules
    if hidden:
        sys.modules["debugpy"] = None  # type: ignore[assignment]
    try:
        import ipykernel.debugger  # noqa: F401  (decides, once, that there is no debugger)
        from ipykernel import kernelapp as app
    finally:
        if hidden and sys.modules.get("debugpy", 0) is None:
            del sys.modules["debugpy"]  # a student's own "import debugpy" works as usual
    app.launch_new_instance()


if __name__ == "__main__":
    main()
