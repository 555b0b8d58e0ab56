"""course.grading.sandbox: student notebooks run in a bubblewrap sandbox that contains what they do.

Every test marked ``kernel`` starts a real sandboxed kernel (about 1-2 s each)
and runs its notebook through the one executor nbgrader uses
(:func:`course.grading.preprocessors.sandboxed_execute.execute_notebook` drives
``SandboxedExecute`` outside nbgrader's converter).
"""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course import paths
from course.grading.sandbox import bwrap as sandbox
from course.grading.sandbox import mounts, outputs, scratch as scratchdirs
from course.grading.sandbox.bwrap import Limits, SandboxUnavailableError
from course.grading.preprocessors.sandboxed_execute import execute_notebook
from course.grading.sandbox.mounts import course_hidden_paths, course_readonly_paths
from course.grading.sandbox.outputs import TRUNCATION_MARKER, truncate_outputs
from course.grading.sandbox.record import execution_reasons

run_notebook_sandboxed = execute_notebook

AVAILABLE, WHY = sandbox.sandbox_available()
kernel = pytest.mark.skipif(not AVAILABLE, reason=f"bubblewrap unavailable: {WHY}")
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="the per-kernel uid needs root")


def notebook(*sources: str):
    return new_notebook(cells=[new_code_cell(source) for source in sources])


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def error_names(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.output_type == "error"]


@pytest.fixture
def scratch(tmp_path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


# --------------------------------------------------------------------------
# Normal work
# --------------------------------------------------------------------------


@kernel
def test_a_normal_notebook_runs_and_works_on_a_copy_of_its_files(scratch, tmp_path):
    """Can a student notebook import course and pandas, read its files, compute and save a file, with the
    repository hidden, while the host's scratch folder stays exactly as the grader filled it?"""
    (scratch / "submitted.ipynb").write_text("{}")
    (scratch / "data.csv").write_text("shipped with the assignment")
    elsewhere = tmp_path / "someone-elses-file"
    elsewhere.write_text("not yours")
    os.chown(elsewhere, 12345, 12345)
    nb = notebook(
        "import os, pandas as pd\nfrom course.evidence import data\nclaims = data.claims()\nprint(len(claims) > 0, os.getuid() != 0)",
        "int(pd.DataFrame({'x': [1, 2, 3]}).x.sum())",
        "print(open('data.csv').read())\n"
        "open('answer.txt', 'w').write('saved by the notebook')\nopen('data.csv', 'w').write('changed by the notebook')\n"
        "print(open('data.csv').read(), os.path.exists('answer.txt'))",
        # traps for a root-run grader that later writes into this folder
        f"os.symlink({str(elsewhere)!r}, 'planted-link')\nos.mkfifo('planted-fifo')\nprint(sorted(os.listdir('.')))",
    )
    done, report = run_notebook_sandboxed(
        nb, scratch, hidden_paths=course_hidden_paths(), readonly_paths=course_readonly_paths(),
        cell_timeout=30, notebook_timeout=120)
    assert report.completed and report.sandboxed and not report.kernel_died
    assert stdout(done.cells[0]) == "True True\n"
    assert done.cells[1].outputs[0]["data"]["text/plain"] == "6"
    assert stdout(done.cells[2]) == "shipped with the assignment\nchanged by the notebook True\n"
    assert "'planted-fifo', 'planted-link'" in stdout(done.cells[3])  # in the kernel's working folder
    # what the code wrote, changed or planted stays in the sandbox: the host's folder is as it was filled
    assert sorted(p.name for p in scratch.iterdir()) == ["data.csv", "submitted.ipynb"]
    assert (scratch / "data.csv").read_text() == "shipped with the assignment"
    assert report.removed_from_scratch == []
    for name in ("data.csv", "submitted.ipynb"):
        assert (scratch / name).stat().st_uid == scratch.stat().st_uid == os.geteuid()
    assert elsewhere.stat().st_uid == 12345


@kernel
def test_hidden_paths_are_invisible_and_writes_outside_scratch_never_reach_the_host(tmp_path):
    """Can student code read another student's work or the solutions, or write anywhere but its own folder?"""
    class_dir = tmp_path / "class"
    mine = class_dir / "autograded" / "alice" / "ps1"
    mine.mkdir(parents=True)
    theirs = class_dir / "autograded" / "bob" / "ps1"
    theirs.mkdir(parents=True)
    (theirs / "ps1.ipynb").write_text("bob's answers")
    (class_dir / "gradebook.db").write_text("grades")
    assignments = paths.REPO_ROOT / "assignments"
    marker = f"outside-marker-{uuid.uuid4().hex}"
    nb = notebook(
        f"try:\n    open({str(theirs / 'ps1.ipynb')!r}).read()\nexcept OSError as e:\n    print(type(e).__name__)",
        f"import os\nprint(sorted(os.listdir({str(class_dir)!r})), sorted(os.listdir({str(class_dir / 'autograded')!r})))",
        f"print(os.listdir({str(assignments)!r}))",
        f"try:\n    open({str(paths.REPO_ROOT / marker)!r}, 'w')\nexcept OSError as e:\n    print(type(e).__name__)",
        f"open('/tmp/{marker}', 'w').write('x')\nopen(os.path.expanduser('~/{marker}'), 'w').write('x')\nprint('private writes ok')",
        f"try:\n    open('/root/{marker}', 'w')\nexcept OSError as e:\n    print(type(e).__name__)",
        "import course.paths\nprint(course.paths.primary_document_path().exists())",
    )
    done, report = run_notebook_sandboxed(
        nb, mine, hidden_paths=[class_dir, assignments], readonly_paths=course_readonly_paths(),
        cell_timeout=30, notebook_timeout=120)
    assert report.completed
    assert stdout(done.cells[0]).strip() in {"FileNotFoundError", "PermissionError"}
    # the kernel works in a scratch folder outside the class: the whole class folder is an empty tmpfs
    assert error_names(done.cells[1]) == ["FileNotFoundError"] or stdout(done.cells[1]).strip() == "[] []"
    assert stdout(done.cells[2]).strip() == "[]"  # the solutions folder is empty inside
    assert stdout(done.cells[3]).strip() in {"OSError", "PermissionError"}  # read-only repository
    assert stdout(done.cells[4]).strip() == "private writes ok"
    assert stdout(done.cells[5]).strip() in {"PermissionError", "FileNotFoundError", "OSError"}
    assert stdout(done.cells[6]).strip() == "True"
    for leaked in (Path("/tmp", marker), Path.home() / marker, Path("/root", marker), paths.REPO_ROOT / marker):
        assert not leaked.exists(), leaked


@kernel
def test_only_the_system_folders_and_bound_paths_exist_another_copy_of_the_sources_does_not(scratch, tmp_path):
    """Is a world-readable copy of the course's secrets elsewhere on the host (here /var/tmp, as a second checkout
    would be) absent from the sandbox, along with /var, /run and /home, while /usr and /etc are there?"""
    import shutil
    import tempfile

    decoy = Path(tempfile.mkdtemp(prefix="course-decoy-", dir="/var/tmp"))
    try:
        secret = decoy / "assignments" / "ps1" / "ps1.ipynb"
        secret.parent.mkdir(parents=True)
        secret.write_text("the solutions")
        for folder in (decoy, secret.parent.parent, secret.parent):
            folder.chmod(0o755)
        secret.chmod(0o644)
        nb = notebook(
            f"import os\nprint(os.path.exists({str(secret)!r}), os.path.exists({str(decoy)!r}))",
            "print(sorted(name for name in ('var', 'run', 'home', 'srv', 'opt', 'mnt') if os.path.exists('/' + name)))",
            "print(os.path.isdir('/usr/lib'), os.path.isfile('/etc/passwd'), os.path.realpath('/bin'))",
        )
        done, report = run_notebook_sandboxed(nb, scratch, hidden_paths=course_hidden_paths(),
                                              readonly_paths=course_readonly_paths(), cell_timeout=30)
        assert report.completed and report.sandboxed
        assert secret.read_text() == "the solutions" and os.access(secret, os.R_OK)  # there on the host
        assert stdout(done.cells[0]).strip() == "False False"
        assert stdout(done.cells[1]).strip() == "[]"
        assert stdout(done.cells[2]).strip() == f"True True {os.path.realpath('/bin')}"
    finally:
        shutil.rmtree(decoy, ignore_errors=True)


def test_system_paths_keep_merged_usr_links_as_links(tmp_path):
    """On a merged-/usr layout, is /bin recreated as a link into the bound /usr rather than bound twice?"""
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "bin").symlink_to("usr/bin")
    (tmp_path / "etc").mkdir()
    found = mounts.system_paths([str(tmp_path / name) for name in ("usr", "bin", "etc", "missing")])
    assert found == {"bind": [str(tmp_path / "usr"), str(tmp_path / "etc")], "symlink": {str(tmp_path / "bin"): "usr/bin"}}


@kernel
def test_the_kernel_has_no_network_not_even_the_hosts_loopback(scratch):
    """Does a connection to a port listening on the host's 127.0.0.1 fail from inside?"""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        port = listener.getsockname()[1]
        nb = notebook(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n    print('connected')\n"
            "except OSError as e:\n    print('refused', type(e).__name__)"
        )
        done, report = run_notebook_sandboxed(nb, scratch, cell_timeout=30, notebook_timeout=60)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever reached the listener
    assert stdout(done.cells[0]).startswith("refused")


# --------------------------------------------------------------------------
# Kernel death and time limits
# --------------------------------------------------------------------------


@kernel
def test_a_cell_that_kills_its_kernel_is_skipped_on_a_fresh_kernel_and_later_cells_run(scratch):
    """When cell 3 calls os._exit, do cells 1-2 keep their outputs, does cell 3 say why, and does cell 4
    still run on a fresh kernel that re-ran cells 1-2 (so what they defined is there)?"""
    nb = notebook("print('one')", "x = 2\nprint('two')", "import os\nos._exit(1)", "print('four', x)")
    nb.cells[3].outputs = [new_output("stream", name="stdout", text="stale output from the student's run")]
    nb.cells.insert(1, new_markdown_cell("prose between cells"))
    done, report = run_notebook_sandboxed(nb, scratch, cell_timeout=30, notebook_timeout=60)
    assert report.completed and report.crashed_cells == [4] and report.crash_reasons == ["exit status 1"]
    assert stdout(done.cells[0]) == "one\n" and stdout(done.cells[2]) == "two\n"
    assert error_names(done.cells[3]) == ["KernelDied"]
    assert stdout(done.cells[4]) == "four 2\n"


@kernel
def test_after_max_restarts_the_rest_of_the_notebook_counts_as_not_run(scratch):
    """A notebook of crashing cells cannot make the grader restart kernels forever."""
    crash = "import os\nos._exit(3)"
    done, report = execute_notebook(notebook(crash, crash, "print('after')"), scratch, cell_timeout=30,
                                    notebook_timeout=120, max_restarts=1)
    assert report.crashed_cells == [1] and report.kernel_died and report.died_in_cell == 2
    assert error_names(done.cells[1]) == ["KernelDied"] and error_names(done.cells[2]) == ["NotExecuted"]


@kernel
def test_an_infinite_loop_is_interrupted_at_the_cell_timeout_and_later_cells_run(scratch):
    """Does a runaway cell stop at its time limit without costing the student the cells after it?"""
    nb = notebook("while True:\n    pass", "print('after')")
    done, report = run_notebook_sandboxed(nb, scratch, cell_timeout=2, notebook_timeout=60)
    assert report.completed and report.timed_out and report.timed_out_cells == [1]
    assert "CellTimeoutError" in error_names(done.cells[0])
    assert stdout(done.cells[1]) == "after\n"


@kernel
def test_a_cell_that_ignores_interrupts_is_stopped_and_later_cells_still_run(scratch):
    """Is a loop that swallows KeyboardInterrupt stopped by the cell time limit, without costing the next cell?"""
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass"
    done, report = run_notebook_sandboxed(notebook(stubborn, "print('after')"), scratch,
                                          cell_timeout=1, notebook_timeout=60)
    assert report.crash_reasons == ["ignored the cell time limit"] and report.crashed_cells == [1]
    assert error_names(done.cells[0])[-2:] == ["CellTimeoutError", "KernelDied"]
    assert stdout(done.cells[1]) == "after\n" and report.seconds < 30


@kernel
def test_the_notebook_deadline_kills_a_run_that_cell_timeouts_would_allow(scratch):
    """Does the notebook-level deadline stop a run even when no single cell is over its limit?"""
    nb = notebook("print('first')", "import time\ntime.sleep(20)\nprint('finished')", "print('never')")
    done, report = run_notebook_sandboxed(nb, scratch, cell_timeout=30, notebook_timeout=3)
    assert report.kernel_died and report.timed_out and report.deadline
    assert report.why == "notebook deadline"
    assert stdout(done.cells[0]) == "first\n"
    assert stdout(done.cells[1]) == "" and error_names(done.cells[1]) == ["KernelDied"]
    assert error_names(done.cells[2]) == ["NotExecuted"]


@kernel
def test_cpu_seconds_kill_a_busy_kernel(scratch):
    """Does RLIMIT_CPU end a kernel that burns more CPU than allowed?"""
    done, report = run_notebook_sandboxed(notebook("while True:\n    pass"), scratch,
                                          limits=Limits(cpu_seconds=1), cell_timeout=30, notebook_timeout=60)
    assert report.crash_reasons == ["CPU time limit"]


# --------------------------------------------------------------------------
# Resource limits
# --------------------------------------------------------------------------


@kernel
def test_a_memory_bomb_raises_memory_error_inside_the_kernel(scratch):
    """Does allocating 10 GB fail inside the kernel (not exhaust the host), leaving the kernel usable?"""
    done, report = run_notebook_sandboxed(notebook("x = bytearray(10 * 1024**3)", "print('alive')"), scratch,
                                          cell_timeout=30, notebook_timeout=60)
    assert error_names(done.cells[0]) == ["MemoryError"]
    assert stdout(done.cells[1]) == "alive\n" and report.completed


@kernel
@as_root
def test_a_fork_bomb_hits_the_process_limit_and_dies_with_the_sandbox(scratch):
    """Is a fork bomb held to max_processes, and are all its processes gone from the host afterwards?"""
    # Every child forks forever and never returns to the kernel; the kernel itself
    # keeps forking until the kernel refuses, then reports back.
    bomb = (
        "import os, time\n"
        "def spawn_forever():\n"
        "    try:\n"
        "        while True:\n"
        "            try:\n                os.fork()\n"
        "            except OSError:\n                time.sleep(0.05)\n"
        "    finally:\n        os._exit(0)\n"
        "while True:\n"
        "    try:\n        pid = os.fork()\n"
        "    except OSError as e:\n        print('fork refused', e.errno)\n        break\n"
        "    if pid == 0:\n        spawn_forever()"
    )
    probe = "import os\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))"
    limits = Limits(max_processes=24)
    done, report = run_notebook_sandboxed(notebook(bomb, probe), scratch, limits=limits,
                                          cell_timeout=20, notebook_timeout=60)
    assert stdout(done.cells[0]) == "fork refused 11\n"  # EAGAIN: the uid is at its RLIMIT_NPROC
    assert int(stdout(done.cells[1])) <= limits.max_processes + 1  # + the sandbox's root-owned init
    assert report.completed
    assert report.sandbox_uid is not None and scratchdirs.processes_of(report.sandbox_uid) == []


@kernel
def test_huge_output_is_truncated_to_the_limit_with_a_marker(scratch):
    """Is a 50 MB print cut to the per-output byte limit, with a marker saying so?"""
    limits = Limits(output_bytes=100_000, total_output_bytes=1_000_000)
    done, report = run_notebook_sandboxed(notebook("print('x' * 50_000_000)"), scratch, limits=limits,
                                          cell_timeout=60, notebook_timeout=120)
    text = stdout(done.cells[0])
    assert len(text.encode()) <= limits.output_bytes
    assert text.startswith("xxxx") and TRUNCATION_MARKER in text
    assert report.truncated >= 1


@kernel
def test_writing_past_the_file_size_limit_fails(scratch):
    """Does writing a 200 MB file fail with 'File too large' and leave at most the limit on disk?"""
    limits = Limits(file_size_bytes=50 * sandbox.MiB)
    code = "with open('big.bin', 'wb') as f:\n    f.write(b'0' * 200_000_000)"
    done, report = run_notebook_sandboxed(notebook(code, "import os\nprint(os.path.getsize('big.bin'))"), scratch,
                                          limits=limits, cell_timeout=60, notebook_timeout=120)
    [error] = [o for o in done.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "OSError" and "File too large" in error.evalue
    assert int(stdout(done.cells[1])) <= limits.file_size_bytes
    assert not (scratch / "big.bin").exists()  # a new file stays in the sandbox


@kernel
def test_the_working_folder_is_capped_and_what_the_code_writes_never_reaches_the_hosts_disk(scratch):
    """Issue #11 item 9: 480 MiB written in the scratch folder landed on the host's /tmp. Now the kernel's
    working folder is a tmpfs of Limits.scratch_bytes: writing past it fails with 'No space left on device',
    the host's scratch folder (and its file system) gets none of it, and the submission's files are there."""
    (scratch / "data.csv").write_text("x,y\n1,2\n")
    limits = Limits(scratch_bytes=8 * sandbox.MiB, file_size_bytes=50 * sandbox.MiB)
    code = ("written = 0\n"
            "for part in range(6):\n"
            "    with open(f'part{part}.bin', 'wb') as f:\n"
            "        f.write(b'0' * 2_000_000)\n"
            "        written += 2_000_000\n")
    done, report = run_notebook_sandboxed(
        notebook("print(open('data.csv').read())", code, "print(written)"), scratch, limits=limits,
        cell_timeout=60, notebook_timeout=120)
    assert stdout(done.cells[0]) == "x,y\n1,2\n\n"
    [error] = [o for o in done.cells[1].outputs if o.output_type == "error"]
    assert error.ename == "OSError" and "No space left on device" in error.evalue
    assert int(stdout(done.cells[2])) < 8 * sandbox.MiB
    assert sorted(p.name for p in scratch.iterdir()) == ["data.csv"]
    assert not report.files_not_copied_in


@kernel
def test_files_too_big_for_the_working_folder_are_reported(scratch):
    """A submission whose files do not fit in the working folder is graded, and the report says why its
    cells could not read them."""
    (scratch / "huge.bin").write_bytes(b"0" * (3 * sandbox.MiB))
    done, report = run_notebook_sandboxed(notebook("print(1)"), scratch, limits=Limits(scratch_bytes=1 * sandbox.MiB),
                                          cell_timeout=60, notebook_timeout=120)
    assert stdout(done.cells[0]) == "1\n" and report.files_not_copied_in
    reasons, _, _ = execution_reasons([report], 120)
    assert any("could not be copied into the kernel's working folder (too big for it" in reason for reason in reasons)


@kernel
def test_nbgraders_execute_preprocessor_uses_the_sandbox_when_configured_by_name(tmp_path):
    """Does nbgrader's Execute run kernels in the sandbox via kernel_manager_class, with the cwd as scratch?"""
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    class_dir = tmp_path / "class"
    mine = class_dir / "autograded" / "alice" / "ps1"
    mine.mkdir(parents=True)
    (class_dir / "autograded" / "bob").mkdir()
    config = Config()
    config.Execute.kernel_manager_class = "course.grading.sandbox.kernel_manager.SandboxedKernelManager"
    config.Execute.timeout = 30
    config.SandboxedKernelManager.hidden_paths = [str(class_dir)]
    config.SandboxedKernelManager.notebook_timeout = 60
    nb = notebook(f"import os\nprint(os.getcwd(), os.listdir({str(class_dir / 'autograded')!r}), os.getuid() != 0)")
    nb.metadata["kernelspec"] = {"name": "not-a-real-kernel", "display_name": "?", "language": "python"}
    done, _ = Execute(config=config).preprocess(nb, {"metadata": {"path": str(mine)}})
    assert stdout(done.cells[0]) == f"{mine} ['alice'] True\n"


@kernel
def test_a_sandbox_that_cannot_start_raises_sandbox_error_with_bwraps_message(scratch, monkeypatch):
    """Is a broken sandbox reported as the grader's problem (SandboxError with bwrap's words), not the student's?"""
    real = sandbox.mount_args
    monkeypatch.setattr(sandbox, "mount_args", lambda **kw: real(**kw) + ["--no-such-option"])
    with pytest.raises(sandbox.SandboxError, match="its stderr: .*no-such-option"):
        run_notebook_sandboxed(notebook("print(1)"), scratch, cell_timeout=10, notebook_timeout=30)


# --------------------------------------------------------------------------
# Without bubblewrap
# --------------------------------------------------------------------------


def test_without_bubblewrap_the_kernel_refuses_to_start(scratch, monkeypatch):
    """Is student code refused (not silently run unsandboxed) when bubblewrap does not work?"""
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: (False, "simulated: no bwrap here"))
    with pytest.raises(SandboxUnavailableError, match="simulated: no bwrap here.*allow_unsandboxed"):
        run_notebook_sandboxed(notebook("print('should not run')"), scratch, cell_timeout=10, notebook_timeout=30)
    assert list(scratch.iterdir()) == []


def test_allow_unsandboxed_runs_with_limits_only_and_says_so_loudly(scratch, monkeypatch, caplog, capfd):
    """With allow_unsandboxed, does the kernel run (rlimits still on) with a warning in the log and on stderr,
    said once per process however many kernels start (a class once printed it about 170 times)?"""
    from course.grading.sandbox import kernel_manager

    monkeypatch.setattr(sandbox, "sandbox_available", lambda: (False, "simulated: no bwrap here"))
    monkeypatch.setattr(kernel_manager, "_UNSANDBOXED_SAID", False)
    code = "import resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0])"
    done, report = run_notebook_sandboxed(notebook(code), scratch, allow_unsandboxed=True,
                                          cell_timeout=30, notebook_timeout=60)
    assert report.completed and not report.sandboxed
    assert stdout(done.cells[0]) == f"{Limits().memory_bytes}\n"
    assert "SANDBOX DISABLED" in caplog.text and "SANDBOX DISABLED" in capfd.readouterr().err
    again, _ = run_notebook_sandboxed(notebook(code), scratch, allow_unsandboxed=True, cell_timeout=30, notebook_timeout=60)
    assert stdout(again.cells[0]) == f"{Limits().memory_bytes}\n"
    assert "SANDBOX DISABLED" not in capfd.readouterr().err


# --------------------------------------------------------------------------
# Pure helpers (no kernel)
# --------------------------------------------------------------------------


def test_truncate_outputs_drops_oversize_images_and_enforces_the_total():
    """Are big images dropped with a marker, and later outputs replaced once the notebook budget is spent?"""
    image = new_output("display_data", data={"image/png": "A" * 5000, "text/plain": "<Figure>"})
    small = new_output("stream", name="stdout", text="ok\n")
    long = new_output("stream", name="stdout", text="y" * 3000)
    nb = new_notebook(cells=[new_code_cell("a", outputs=[image, small]), new_code_cell("b", outputs=[long, small])])
    changed = truncate_outputs(nb, max_bytes_per_output=1000, max_total_bytes=1200)
    first, second = nb.cells[0].outputs, nb.cells[1].outputs
    assert "image/png" not in first[0]["data"]
    assert first[0]["data"]["text/plain"].startswith("<Figure>") and "image/png" in first[0]["data"]["text/plain"]
    assert first[1]["text"] == "ok\n"
    assert sum(outputs.output_size(o) for o in first + second) <= 1200 + 200  # the closing note may overshoot a little
    assert TRUNCATION_MARKER in second[-1]["text"]
    assert changed == 3  # the image, the long text, the output after the budget ran out


def test_truncate_outputs_rejects_a_nonsense_limit():
    with pytest.raises(ValueError, match="max_total_bytes"):
        truncate_outputs(new_notebook(), 100, 0)


def test_limits_reject_non_positive_values():
    with pytest.raises(ValueError, match="max_processes"):
        Limits(max_processes=0)


def test_mounts_show_readonly_paths_inside_hidden_ones_and_never_hide_scratch(tmp_path):
    """Does a read-only path inside a hidden folder get mounted after it (so it shows through)?"""
    hidden = tmp_path / "repo"
    (hidden / "course").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    args = mounts.mount_args(scratch_dir=str(tmp_path / "work"), runtime_dir=str(tmp_path),
                              hidden_paths=[hidden], readonly_paths=[hidden / "course"])
    pairs = list(zip(args, args[1:]))
    assert pairs.index(("--tmpfs", str(hidden))) < pairs.index(("--ro-bind", str(hidden / "course")))
    with pytest.raises(ValueError, match="hidden_paths"):
        mounts.mount_args(scratch_dir=str(hidden), runtime_dir=str(tmp_path), hidden_paths=[hidden])


# --------------------------------------------------------------------------
# Start-up work a grading kernel skips
# --------------------------------------------------------------------------


def test_the_grading_launcher_replaces_only_ipykernels_own_launcher_in_this_environment():
    import sys

    cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "conn.json", "--x=1"]
    assert sandbox.grading_kernel_cmd(cmd) == [sys.executable, "-m", "course.grading.sandbox.kernel", "-f", "conn.json", "--x=1"]
    other = [sys.executable, "-m", "some_other_kernel", "-f", "conn.json"]
    assert sandbox.grading_kernel_cmd(other) == other
    elsewhere = ["/another/env/bin/python", "-m", "ipykernel_launcher", "-f", "conn.json"]
    assert sandbox.grading_kernel_cmd(elsewhere) == elsewhere  # the kit may not be installed there


@kernel
def test_a_grading_kernel_skips_the_debugger_but_student_code_keeps_cwd_imports_and_debugpy(scratch):
    """The kernel starts without loading debugpy, yet behaves as ipykernel_launcher's would for the notebook."""
    (scratch / "helper.py").write_text("ANSWER = 42\n")
    nb = notebook(
        "import sys\nprint('debugpy' in sys.modules, sys.argv[0].endswith('kernel.py'))",
        "import helper\nprint(helper.ANSWER)",  # the working folder is on sys.path, as under ipykernel_launcher
        "import debugpy\nprint(debugpy.__name__)",
        "print(get_ipython().__class__.__name__)",
    )
    done, report = run_notebook_sandboxed(
        nb, scratch, hidden_paths=course_hidden_paths(), readonly_paths=course_readonly_paths(),
        cell_timeout=30, notebook_timeout=120)
    assert report.completed and report.sandboxed
    assert stdout(done.cells[0]) == "False True\n"
    assert stdout(done.cells[1]) == "42\n"
    assert stdout(done.cells[2]) == "debugpy\n"
    assert stdout(done.cells[3]) == "ZMQInteractiveShell\n"


def test_bytecode_is_written_for_a_package_kernels_see_read_only(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text("X = 1\n")
    assert mounts.compile_bytecode(str(package)) is True
    compiled = sorted(p.name.split(".")[0] for p in (package / "__pycache__").glob("*.pyc"))
    assert compiled == ["__init__", "mod"]
    data_folder = tmp_path / "data"
    data_folder.mkdir()
    (data_folder / "table.py").write_text("X = 1\n")
    assert mounts.compile_bytecode(str(data_folder)) is False  # not a package: left alone
    assert not (data_folder / "__pycache__").exists()


def test_a_python_reached_through_dots_is_started_by_its_plain_path():
    """A student in my-work/ ran `../.venv/bin/python -m course selfcheck`: the kernel command began
    /home/s/my-work/../.venv/bin/python, and bwrap (my-work/ not mounted) could not exec it."""
    dotted = ["/home/s/my-work/../.venv/bin/python", "-m", "some_kernel", "-f", "conn.json"]
    assert sandbox.grading_kernel_cmd(dotted) == ["/home/s/.venv/bin/python", "-m", "some_kernel", "-f", "conn.json"]
    assert sandbox.grading_kernel_cmd(["python", "-m", "x"]) == ["python", "-m", "x"]  # a bare name: PATH decides


def test_a_python_reached_through_a_symlinked_environment_is_started_from_the_real_folder(tmp_path):
    """`/tmp/venv/bin/python -m course selfcheck` with /tmp/venv a link to the kit's .venv: bwrap could not exec
    /tmp/venv/bin/python (the sandbox mounts the environment's real folder). The folder is resolved, the file name
    kept (resolving the venv's python itself would start the base interpreter, without the venv)."""
    import sys

    real = Path(sys.executable).parent
    (tmp_path / "linked").symlink_to(real.parent, target_is_directory=True)
    linked = str(tmp_path / "linked" / real.name / Path(sys.executable).name)
    command = sandbox.grading_kernel_cmd([linked, "-m", "some_kernel", "-f", "conn.json"])
    assert command == [os.path.join(os.path.realpath(real), Path(sys.executable).name), "-m", "some_kernel", "-f", "conn.json"]
    assert Path(command[0]).name == Path(sys.executable).name


@kernel
@pytest.mark.slow
def test_student_code_in_the_sandbox_reads_the_kits_words(tmp_path):
    """Can what a graded notebook calls speak? The lessons' views and grading's hints read their words from
    notebooks/ (vocabulary.toml, words.toml, grading.toml), which the sandbox shows read-only, as the wheel would."""
    nb = new_notebook(cells=[
        new_code_cell("from course.lessons.views import table\nfrom course.evidence import data\n"
                      "print('Accurate' in table(data.claims().head(40)).html)"),
        new_code_cell("from course.grading.reports.feedback import hint_for\nfrom course.grading import wording\n"
                      "print(hint_for('NameError', '', '') == wording.words('feedback', 'error_hints', 'NameError'))"),
    ])
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done, report = run_notebook_sandboxed(nb, scratch, hidden_paths=course_hidden_paths(), readonly_paths=course_readonly_paths(),
                                          cell_timeout=60, notebook_timeout=180)
    assert report.sandboxed and report.completed
    assert [stdout(cell) for cell in done.cells] == ["True\n", "True\n"]
