"""Entry point for gunicorn and `flask --app wsgi`."""

from onboarding import create_app

app = create_app()
