"""Static files addressed by their content, so browsers keep them instead of asking again on every page.

Every address ``url_for`` builds for a static file (ours and Bootstrap-Flask's local copies) carries the
file's digest (``?v=``), and a request that names the current digest is answered as immutable for a
year. A changed file gets a new address at once; an address without a digest, or with an old one,
is answered as before (revalidated on each use). Without this, each page view asked again for its
two stylesheets and two scripts: four conditional requests a page."""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

VERSION_ARG = "v"
IMMUTABLE = "public, max-age=31536000, immutable"


def init_app(app: Flask) -> None:
    @app.url_defaults
    def add_digest(endpoint: str, values: dict) -> None:
        folder = _static_folder(app, endpoint)
        if folder is not None and "filename" in values and VERSION_ARG not in values:
            digest = digest_of(folder, values["filename"])
            if digest is not None:
                values[VERSION_ARG] = digest

    @app.after_request
    def keep_addressed_files(response):
        folder = _static_folder(app, request.endpoint)
        if (folder is not None and response.status_code in (200, 304) and request.view_args
                and request.args.get(VERSION_ARG) == digest_of(folder, request.view_args.get("filename", ""))):
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def _static_folder(app: Flask, endpoint: str | None) -> str | None:
    if endpoint == "static":
        return app.static_folder
    if endpoint and endpoint.endswith(".static"):
        blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        return blueprint.static_folder if blueprint is not None else None
    return None


@lru_cache(maxsize=256)
def _digest(path: Path, modified_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def digest_of(folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, None when there is no such file in ``folder``.
    Read again only when the file's modification time or size changes."""
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)
