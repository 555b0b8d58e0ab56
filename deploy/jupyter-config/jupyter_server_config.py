"""Jupyter Server settings for every server the kit starts: `make lab` (scripts/lab.sh) and the hub's
student servers and Formgrader service (deploy/singleuser.py). Both put this folder on JUPYTER_CONFIG_PATH.

One setting: a Content-Security-Policy on every page, the second line of defence behind the
sanitizing of student HTML (course/grading/pipeline.py, configure; the cleaner in course/grading/reports/feedback.py). Measured in Chromium
(tests/grading/test_hostile_html.py, docs/grading-at-scale.md): Formgrader's own pages run inline
<script> blocks that embed per-page values, so neither ``script-src 'self'`` alone nor a hash list
keeps it working, and JupyterLab 4.6 needs ``'unsafe-eval'`` (its settings plugin compiles JSON schemas into functions). So the
policy cannot forbid inline script; what it does forbid: script, styles, fonts and frames from any
other origin, requests (fetch, XHR, WebSocket) to any other origin, so a script that got in cannot
send what it reads anywhere but this server, plugins (<object>, <embed>), a <base> that re-points the
page's relative links, forms posting elsewhere, and other sites framing the server.
"""

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' data: blob:",
    "worker-src 'self' blob:",
    "frame-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

c = get_config()  # noqa: F821 -- injected by traitlets when Jupyter Server loads this file

# Keep any other tornado settings (and an administrator's own policy, if one is set elsewhere).
_settings = dict(c.ServerApp.tornado_settings) if "tornado_settings" in c.ServerApp else {}
_settings["headers"] = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, **_settings.get("headers", {})}
c.ServerApp.tornado_settings = _settings
