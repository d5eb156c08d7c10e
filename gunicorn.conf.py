"""gunicorn settings, from the KB_* variables read in kb/config.py."""

from kb.config import server_settings

_settings = server_settings()
bind = f"{_settings['host']}:{_settings['port']}"
workers = _settings["workers"]
timeout = _settings["timeout"]
accesslog = "-"
