"""WSGI entry point: ``gunicorn wsgi:app``."""

from kb import create_app

app = create_app()
