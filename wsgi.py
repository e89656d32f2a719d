"""The WSGI entry point: `gunicorn wsgi:app`."""
from society import create_app

app = create_app()
