"""Entry point for `flask --app app` and WSGI servers."""

from claims import create_app

app = create_app()
