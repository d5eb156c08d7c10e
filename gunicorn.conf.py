"""gunicorn settings, from the KB_* variables read in kb/config.py."""

from kb.config import server_settings

_settings = server_settings()
bind = f"{_settings['host']}:{_settings['port']}"
workers = _settings["workers"]
timeout = _settings["timeout"]
accesslog = "-"


def on_starting(server: object) -> None:
    """Once per server start, before workers fork: rebuild a missing index, apply pending updates."""
    from kb import create_app
    from kb.extensions import db
    from kb.services import indexing

    app = create_app()
    with app.app_context():
        report = indexing.recover()
        db.session.remove()
        indexing.backend().close()
        db.engine.dispose()  # no open index file or database connection is inherited by the workers
    if report.error:
        print(f"kb: search index not brought up to date at start: {report.error}", flush=True)
