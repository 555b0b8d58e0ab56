"""A throwaway JupyterHub deployment of the course, built with the recipe in deploy/, for tests and benchmarks.

Real Unix users with real passwords (PAM), the kit installed read-only by deploy/install-kit.sh, a
PostgreSQL gradebook with password authentication (scripts/hub-pg.sh), nbgrader's filesystem
exchange and the course set up by deploy/setup_course.py, JupyterHub with configurable-http-proxy on
127.0.0.1 (deploy/jupyterhub_config.py). Everything lives under one fresh folder and is removed by
:meth:`Deployment.close`, which also stops every process it started and deletes the users it created.

Needs root. scripts/install-hub-deps.sh (which tests/hub/conftest.py runs) installs what it needs.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SCRIPTS = REPO / "scripts"
#: GECOS comment of every user the harness creates (so a person can tell them apart).
USER_COMMENT = "course-hub-test (temporary)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def install_deps() -> Path:
    """Run scripts/install-hub-deps.sh; return the cache folder (hub environment and proxy)."""
    done = subprocess.run([str(SCRIPTS / "install-hub-deps.sh")], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/install-hub-deps.sh failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


class HubExited(RuntimeError):
    """JupyterHub stopped by itself while starting."""


@dataclass
class Deployment:
    """One course hub: ``students`` and ``instructors`` are short names, made unique per run."""

    cache: Path
    students: list[str]
    instructors: list[str] = field(default_factory=lambda: ["inst"])
    course_id: str = "mali-coup-source-evaluation"

    def __post_init__(self):
        self.tag = "h" + secrets.token_hex(3)
        self.root = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))
        self.root.chmod(0o755)
        self.prefix = self.root / "opt"
        self.venv = self.cache / "venv"
        self.kit = self.prefix / "kit"
        self.exchange = self.root / "srv" / "nbgrader" / "exchange"
        self.grader = f"{self.tag}-grader"
        self.student_users = [f"{self.tag}-{name}" for name in self.students]
        self.instructor_users = [f"{self.tag}-{name}" for name in self.instructors]
        self.passwords: dict[str, str] = {}
        self.created_users: list[str] = []
        self.hub: subprocess.Popen | None = None
        self.hub_log = None
        self.pg_dir = self.root / "pg"
        self.pg_started = False
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings_file = self.prefix / "etc" / "course-hub.json"
        self.settings: dict = {}
        self.hub_restarts: list[str] = []

    # --- users ------------------------------------------------------------------------------------------
    def create_user(self, name: str) -> str:
        """A Unix user with a home (0700) and a random password; returns the password."""
        try:
            pwd.getpwnam(name)
        except KeyError:
            pass
        else:
            raise RuntimeError(f"user {name} already exists; not touching it")
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", USER_COMMENT, name])
        self.created_users.append(name)
        password = secrets.token_urlsafe(12)
        run(["chpasswd"], input=f"{name}:{password}\n")
        Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
        self.passwords[name] = password
        return password

    def home(self, user: str) -> Path:
        return Path(pwd.getpwnam(user).pw_dir)

    def run_as(self, user: str, argv: list[str], *, input: str | None = None, env: dict | None = None,
               check: bool = True, timeout: float = 600, cwd: str | None = None) -> subprocess.CompletedProcess:
        """Run ``argv`` as ``user`` with a clean environment (runuser; no password needed as root)."""
        entry = pwd.getpwnam(user)
        base = {"HOME": entry.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                "PATH": f"{self.prefix / 'bin'}:{self.venv / 'bin'}:/usr/bin:/bin",
                "JUPYTER_CONFIG_PATH": str(self.prefix / "etc" / "jupyter"),
                "COURSE_HUB_SETTINGS": str(self.settings_file)}
        base.update(env or {})
        command = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in base.items()]]
        if cwd:
            command += ["sh", "-c", 'cd "$0" && exec "$@"', cwd]
        return run(command + list(argv), input=input, check=check, timeout=timeout)

    # --- the deployment ---------------------------------------------------------------------------------
    def install(self) -> None:
        """Users, the kit, the gradebook server, the course: everything but the hub itself."""
        self.create_user(self.grader)
        for user in self.instructor_users + self.student_users:
            self.create_user(user)
        env = dict(os.environ, VENV=str(self.venv), GRADER_GROUP=self.grader)
        run([str(DEPLOY / "install-kit.sh"), str(self.prefix)], env=env, timeout=1200)
        gradebook_password = secrets.token_urlsafe(16)
        pg_role = self.grader.replace("-", "_")
        url = run([str(SCRIPTS / "hub-pg.sh"), "start", str(self.pg_dir), str(free_port()), pg_role, "gradebook"],
                  input=gradebook_password, timeout=180).stdout.strip()
        self.pg_started = True
        self.gradebook_url = url
        self.pg_port = int(url.rsplit(":", 1)[1].split("/")[0])
        self.pg_role = pg_role
        settings = {
            "course_id": self.course_id,
            "prefix": str(self.prefix),
            "venv": str(self.venv),
            "kit": str(self.kit),
            "exchange": str(self.exchange),
            "grader": self.grader,
            "service_port": free_port(),
            "instructors": self.instructor_users,
            "students": self.student_users,
            "hub": {"ip": "127.0.0.1", "port": self.port, "hub_port": free_port(), "proxy_api_port": free_port(),
                    "proxy_command": str(self.cache / "proxy" / "bin" / "configurable-http-proxy"),
                    "state_dir": str(self.root / "state")},
        }
        draft = self.root / "course-hub.json"
        draft.write_text(json.dumps(settings))
        run(["/usr/bin/python3", str(DEPLOY / "setup_course.py"), str(draft)], input=url + "\n")
        self.settings = json.loads(self.settings_file.read_text())

    def start_hub(self, timeout: float = 180, restarts: int = 1) -> None:
        """Start JupyterHub and wait until it answers.

        JupyterHub exits when a managed service (the Formgrader) does not answer within about ten
        seconds, which a busy machine can exceed; deploy/jupyterhub.service restarts it
        (Restart=on-failure), and so does this, ``restarts`` times, recording each in
        :attr:`hub_restarts`. Any other early exit is an error.
        """
        for attempt in range(restarts + 1):
            try:
                return self._start_hub(timeout)
            except HubExited as exc:
                if "Cannot connect to" not in str(exc) or attempt == restarts:
                    raise
                self.hub_restarts.append(str(exc).splitlines()[0])
                self._kill_session(self.hub.pid)  # the proxy the failed hub left running
                self._kill_processes_of([self.grader])  # and the service, if any

    def _start_hub(self, timeout: float) -> None:
        state = Path(self.settings["hub"]["state_dir"])
        state.mkdir(parents=True, exist_ok=True)
        state.chmod(0o700)
        self.hub_log_path = self.root / "jupyterhub.log"
        self.hub_log = open(self.hub_log_path, "a")
        env = {"PATH": f"{self.venv / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/root",
               "COURSE_HUB_SETTINGS": str(self.settings_file)}
        self.hub = subprocess.Popen(
            [str(self.venv / "bin" / "jupyterhub"), "-f", str(self.prefix / "deploy" / "jupyterhub_config.py")],
            cwd=state, env=env, stdout=self.hub_log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub.poll() is not None:
                self.hub_log.close()
                self.hub_log = None
                critical = [l for l in self.hub_log_path.read_text(errors="replace").splitlines() if "[C " in l]
                raise HubExited("\n".join(critical) + "\nJupyterHub exited early:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(f"{self.base}/hub/api", timeout=3) as answer:
                    if answer.status == 200:
                        break
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"JupyterHub did not answer within {timeout:.0f} s:\n" + self.log_tail())

    def wait_for_service(self, timeout: float = 180) -> None:
        """Until the Formgrader service (the grader's JupyterLab) answers on its own port."""
        url = f"http://127.0.0.1:{self.settings['service_port']}/services/{self.course_id}/api/status"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url, timeout=3)
                return
            except urllib.error.HTTPError:
                return  # it answers (403 without a token): it is up
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the Formgrader service did not start within {timeout:.0f} s:\n" + self.log_tail())

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.hub_log_path.read_text(errors="replace")[-chars:]
        except (AttributeError, OSError):
            return "(no hub log)"

    # --- the grader account's command line ----------------------------------------------------------------
    def grader_run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        return self.run_as(self.grader, argv, cwd=str(self.home(self.grader)), **kwargs)

    # --- teardown -------------------------------------------------------------------------------------
    def stop_hub(self) -> None:
        if self.hub is not None:
            if self.hub.poll() is None:
                self.hub.send_signal(signal.SIGTERM)  # the hub stops the servers, the service and the proxy
                try:
                    self.hub.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    pass
            # What is left of the hub's own session (a hub that exited on its own leaves its
            # configurable-http-proxy running): the hub was started in a session of its own.
            self._kill_session(self.hub.pid)
            self.hub.wait(timeout=30)
        if self.hub_log is not None:
            self.hub_log.close()
            self.hub_log = None

    def leftover_processes(self) -> dict[str, list[int]]:
        """Processes still running as the users this deployment created."""
        found = {}
        for user in self.created_users:
            try:
                uid = pwd.getpwnam(user).pw_uid
            except KeyError:
                continue
            pids = [int(p) for p in subprocess.run(["ps", "-o", "pid=", "-u", str(uid)], capture_output=True,
                                                    text=True).stdout.split()]
            if pids:
                found[user] = pids
        return found

    @staticmethod
    def _kill_session(sid: int) -> None:
        """SIGKILL every process whose session id is ``sid`` (one this harness started)."""
        import psutil

        for proc in psutil.process_iter():
            try:
                if os.getsid(proc.pid) == sid:
                    proc.kill()
            except (psutil.NoSuchProcess, ProcessLookupError, PermissionError):
                continue

    def _kill_processes_of(self, users: list[str]) -> None:
        for user, pids in self.leftover_processes().items():
            if user in users:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        time.sleep(1)

    def close(self) -> dict[str, list[int]]:
        """Stop everything, delete the users and the folder. Returns the processes that had to be killed."""
        self.stop_hub()
        if self.pg_started:
            run([str(SCRIPTS / "hub-pg.sh"), "stop", str(self.pg_dir)], check=False, timeout=120)
        leftovers = {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            leftovers = self.leftover_processes()
            if not leftovers:
                break
            time.sleep(1)
        for pids in leftovers.values():  # only processes of users this deployment made
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.5 if leftovers else 0)
        for user in self.created_users:
            run(["userdel", "--remove", user], check=False)
        self.created_users = []
        shutil.rmtree(self.root, ignore_errors=True)
        return leftovers


def run(argv, *, input: str | None = None, check: bool = True, timeout: float = 600, env=None) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv[:8]))}... exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done


def new_deployment(cache: Path, **kwargs) -> Deployment:
    """A Deployment that is up (users, kit, gradebook, course, hub, Formgrader service); on failure
    everything is removed and the error carries the hub's log."""
    deployment = Deployment(cache, **kwargs)
    try:
        deployment.install()
        deployment.start_hub()
        deployment.wait_for_service()
    except Exception as exc:
        log = deployment.log_tail()
        deployment.close()
        raise RuntimeError(f"the course hub did not come up: {exc}\nhub log:\n{log}") from exc
    return deployment


def close_deployment(deployment: Deployment) -> None:
    """Stop and remove everything; raise AssertionError if users, the folder or processes were left."""
    users = list(deployment.created_users)
    leftovers = deployment.close()
    remaining = []
    for user in users:
        try:
            pwd.getpwnam(user)
            remaining.append(user)
        except KeyError:
            pass
    assert not remaining, f"users not removed: {remaining}"
    assert not deployment.root.exists(), f"{deployment.root} not removed"
    assert not leftovers, f"processes still running after the hub stopped (they were killed): {leftovers}"
