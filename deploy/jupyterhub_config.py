"""A complete JupyterHub for the course on one machine (not TLJH): PAM logins for the machine's Unix
users, one JupyterLab per student started as that user (LocalProcessSpawner), configurable-http-proxy
from npm, everything bound to the addresses in the settings file (127.0.0.1 by default: put a TLS
reverse proxy such as nginx or Caddy in front for a real class). The course itself (groups, roles,
Formgrader service, student servers) is jupyterhub_config.d/course.py, loaded at the end.

    COURSE_HUB_SETTINGS=/opt/mali-coup/etc/course-hub.json \
        /opt/mali-coup/venv/bin/jupyterhub -f /opt/mali-coup/deploy/jupyterhub_config.py

Run as root (the hub starts servers as other users).
"""

import json
import os
from pathlib import Path

c = get_config()  # noqa: F821 -- injected by traitlets

_settings_path = Path(os.environ.get("COURSE_HUB_SETTINGS", "/opt/mali-coup/etc/course-hub.json"))
_settings = json.loads(_settings_path.read_text())
hub = _settings.get("hub", {})
state = Path(hub.get("state_dir", Path(_settings["prefix"]) / "state"))
state.mkdir(parents=True, exist_ok=True)
state.chmod(0o700)

c.JupyterHub.ip = hub.get("ip", "127.0.0.1")
c.JupyterHub.port = int(hub.get("port", 8000))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(hub.get("hub_port", 8081))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(hub.get('proxy_api_port', 8001))}"
c.ConfigurableHTTPProxy.command = [hub.get("proxy_command", str(Path(_settings["prefix"]) / "proxy" / "bin" / "configurable-http-proxy"))]
c.ConfigurableHTTPProxy.should_start = True

c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.start_timeout = int(hub.get("start_timeout", 120))
c.Spawner.http_timeout = int(hub.get("http_timeout", 120))
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

load_subconfig(str(Path(__file__).resolve().parent / "jupyterhub_config.d" / "course.py"))  # noqa: F821
