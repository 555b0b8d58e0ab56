"""Many students submitting at once through nbgrader's exchange, each as their own Unix user.

Used by tests/hub/test_hub_load.py (10 students) and bench/hub_load.py (30). Each student logs in to
the hub with their password and asks it for an API token (as a student can on the hub's token page;
the Assignment List's group check, nbgrader's JupyterHubAuthPlugin, needs one), fetches the assignment
with `nbgrader fetch_assignment`, and all of them run `nbgrader submit` at the same moment, as
themselves (runuser). The grader account collects, autogrades with the kit's sandboxed autograder,
generates and releases feedback; each student fetches their feedback. Time and memory are measured.
"""

from __future__ import annotations

import concurrent.futures as futures
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.grading.run import demo

BEHAVIOURS = ("perfect", "partial", "empty")


def auto_points(source, correct) -> float:
    """Automatic points a submission earns: a test cell scores when the answer cell before it is correct."""
    points, answer = 0.0, None
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            answer = meta["grade_id"]
        elif cell.cell_type == "code" and meta.get("grade") and answer in correct:
            points += meta["points"]
    return points


class MemorySampler:
    """Samples, every ``interval`` s, the resident memory of all processes of some users (the students
    and the grader account: their nbgrader commands, the grading workers and sandboxed kernels);
    keeps the peak per phase. (The machine's own "used" figure is left out: other people's work on a
    shared machine moves it more than this does.)"""

    def __init__(self, uids: set[int], interval: float = 0.25):
        import psutil

        self.psutil, self.uids, self.interval = psutil, uids, interval
        self.phase = "idle"
        self.peaks: dict[str, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            rss = 0
            for proc in self.psutil.process_iter(["uids", "memory_info"]):
                try:
                    if proc.info["uids"] and proc.info["uids"].real in self.uids:
                        rss += proc.info["memory_info"].rss
                except (self.psutil.NoSuchProcess, self.psutil.AccessDenied):
                    continue
            peak = self.peaks.setdefault(self.phase, {"users_rss_mb": 0.0})
            peak["users_rss_mb"] = max(peak["users_rss_mb"], rss / 2**20)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


@dataclass
class LoadResult:
    students: int
    seconds: dict[str, float] = field(default_factory=dict)
    memory: dict[str, dict[str, float]] = field(default_factory=dict)
    submit_spread_seconds: float = 0.0
    collected: list[str] = field(default_factory=list)
    graded: dict[str, float] = field(default_factory=dict)
    expected: dict[str, float] = field(default_factory=dict)
    feedback_scores: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def hub_token(hub, user: str) -> str:
    """Log in with the user's password and ask the hub for an API token, as the user could on /hub/token."""
    import requests

    session = requests.Session()
    login = session.get(f"{hub.base}/hub/login", timeout=60)
    xsrf = session.cookies.get("_xsrf") or re.search(r'name="_xsrf" value="([^"]+)"', login.text).group(1)
    answer = session.post(f"{hub.base}/hub/login", data={"username": user, "password": hub.passwords[user], "_xsrf": xsrf},
                          allow_redirects=False, timeout=60)
    assert answer.status_code == 302 and "/hub/login" not in answer.headers.get("location", ""), f"{user} could not log in"
    xsrf = session.cookies.get("_xsrf", xsrf)
    made = session.post(f"{hub.base}/hub/api/users/{user}/tokens", headers={"X-XSRFToken": xsrf}, timeout=60,
                        json={"note": "nbgrader from the command line", "expires_in": 3600,
                              "scopes": ["read:users:groups!user", "read:users:name!user"]})
    assert made.status_code == 201, (user, made.status_code, made.text[:300])
    return made.json()["token"]


def student_env(hub, user: str, token: str) -> dict:
    return {"JUPYTERHUB_API_TOKEN": token, "JUPYTERHUB_USER": user,
            "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.settings['hub']['hub_port']}/hub/api"}


def nbgrader_as(hub, user: str, args: list[str], env: dict | None = None, timeout: float = 600):
    return hub.run_as(user, ["nbgrader", *args], env=env, cwd=str(hub.home(user)), check=False, timeout=timeout)


def run_load(hub, assignment: str, *, workers: int = 2) -> LoadResult:
    """The whole load round trip on ``hub`` for all its students; raises AssertionError on any wrong outcome."""
    import pwd

    students = list(hub.student_users)
    result = LoadResult(students=len(students))
    source, _ = demo.source_and_release(assignment)
    uids = {pwd.getpwnam(u).pw_uid for u in students + [hub.grader]}

    def timed(name, fn):
        sampler.phase = name
        start = time.monotonic()
        value = fn()
        result.seconds[name] = round(time.monotonic() - start, 1)
        return value

    with MemorySampler(uids) as sampler, futures.ThreadPoolExecutor(workers) as pool:
        for step in (["generate_assignment", assignment, "--force"], ["release_assignment", assignment, "--force"]):
            done = timed(step[0], lambda: nbgrader_as(hub, hub.grader, step))
            assert done.returncode == 0, done.stderr[-2000:]

        tokens = dict(zip(students, timed("login", lambda: list(pool.map(lambda u: hub_token(hub, u), students)))))

        def fetch(user):
            done = nbgrader_as(hub, user, ["fetch_assignment", assignment], env=student_env(hub, user, tokens[user]))
            assert done.returncode == 0, (user, done.stderr[-1500:])
            return hub.home(user) / hub.course_id / assignment / f"{assignment}.ipynb"

        paths = dict(zip(students, timed("fetch", lambda: list(pool.map(fetch, students)))))

        def answer(index_user):
            index, user = index_user
            fetched = nbformat.read(paths[user], as_version=4)
            behaviour = BEHAVIOURS[index % len(BEHAVIOURS)]
            submission, correct, *_ = demo.build_submission(source, fetched, behaviour)
            hub.run_as(user, ["tee", str(paths[user])], input=nbformat.writes(submission))
            result.expected[user] = auto_points(source, correct)

        timed("answer", lambda: list(pool.map(answer, enumerate(students))))

        # Everyone submits at once: one process per student, all started together.
        def submit_all():
            procs = {}
            for user in students:
                entry = pwd.getpwnam(user)
                env = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                       "PATH": f"{hub.prefix / 'bin'}:{hub.venv / 'bin'}:/usr/bin:/bin",
                       "JUPYTER_CONFIG_PATH": str(hub.prefix / "etc" / "jupyter"), **student_env(hub, user, tokens[user])}
                procs[user] = subprocess.Popen(
                    ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()],
                     "sh", "-c", 'cd "$HOME" && exec nbgrader submit "$0"', assignment],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for user, proc in procs.items():
                out, err = proc.communicate(timeout=900)
                if proc.returncode != 0:
                    result.errors.append(f"{user}: submit exited {proc.returncode}: {err[-500:]}")

        timed("submit", submit_all)
        assert not result.errors, result.errors

        inbound = hub.exchange / hub.course_id / "inbound"
        names = sorted(p.name for p in inbound.iterdir())
        owners = [n.split("+")[0] for n in names]
        assert sorted(owners) == sorted(students), f"inbound holds {owners}"
        stamps = [time.mktime(time.strptime((inbound / n / "timestamp.txt").read_text().strip()[:19], "%Y-%m-%d %H:%M:%S"))
                  for n in names]
        result.submit_spread_seconds = max(stamps) - min(stamps)

        def collect():
            done = nbgrader_as(hub, hub.grader, ["collect", assignment])
            assert done.returncode == 0, done.stderr[-2000:]
            return done.stderr + done.stdout

        log = timed("collect", collect)
        collected = re.findall(rf"Collecting submission: (\S+) {assignment}", log)
        assert sorted(collected) == sorted(students), f"collected {collected}"
        again = collect()  # a second collect takes nothing again: each submission is collected exactly once
        assert not re.findall(rf"Collecting submission: (\S+) {assignment}", again), again[-1500:]
        submitted = Path(hub.settings["class_dir"]) / "submitted"
        result.collected = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())
        assert result.collected == sorted(students)

        graded = timed("autograde", lambda: hub.grader_run(["course-grader", "autograde", assignment], timeout=3600,
                                                            check=False))
        if not (f"{len(students)} graded, 0 failed" in graded.stdout and "sandbox on" in graded.stdout):
            log = Path(__file__).resolve().parents[2] / "test-artifacts" / "hub-autograde-failure.log"
            log.parent.mkdir(exist_ok=True)
            log.write_text(f"exit {graded.returncode}\n--- stdout\n{graded.stdout}\n--- stderr\n{graded.stderr}")
            raise AssertionError(f"autograde did not grade all {len(students)} (log: {log}):\n{graded.stdout[-2000:]}")
        for line in graded.stdout.splitlines():
            match = re.match(rf"(\S+)\s+{assignment}\s+graded\s+([0-9.]+)/", line)
            if match and match.group(1) in result.expected:
                result.graded[match.group(1)] = float(match.group(2))

        for step in (["generate_feedback", assignment, "--force"], ["release_feedback", assignment]):
            done = timed(step[0], lambda: nbgrader_as(hub, hub.grader, step, timeout=1800))
            assert done.returncode == 0, done.stderr[-2000:]

        def fetch_feedback(user):
            done = nbgrader_as(hub, user, ["fetch_feedback", assignment], env=student_env(hub, user, tokens[user]))
            assert done.returncode == 0, (user, done.stderr[-1500:])
            found = hub.run_as(user, ["find", str(hub.home(user) / hub.course_id / assignment / "feedback"),
                                      "-name", f"{assignment}.html"]).stdout.splitlines()
            assert len(found) == 1, (user, found)
            html = hub.run_as(user, ["cat", found[0]]).stdout
            match = re.search(r"Score:\s*([0-9.]+)\s*/\s*([0-9.]+)", re.sub(r"<[^>]+>", " ", html))
            assert match, f"{user}'s feedback states no score"
            return user, float(match.group(1))

        result.feedback_scores = dict(timed("fetch_feedback", lambda: list(pool.map(fetch_feedback, students))))
        result.memory = sampler.peaks
    return result
