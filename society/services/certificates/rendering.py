"""HTML to PDF with WeasyPrint, fenced in: package files only, bounded input, bounded time.

WeasyPrint's default fetcher reads ``file://`` URLs, follows redirects and embeds
``<link rel=attachment>`` targets. Ours serves files from the package's static folder
and QR codes it draws itself (``qr:`` URLs, see ``qr_url``), and refuses everything else.
Rendering runs in one long-lived child process per application process, so a render that
runs past its time limit is killed (and the child started again) without touching the web
worker; the child keeps the parsed stylesheet and fonts between renders, which keeps a
render close to WeasyPrint's own speed.
"""
import atexit
import io
import mimetypes
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

PACKAGE_ROOT = Path(__file__).resolve().parents[3]  # the folder holding the society package
STATIC_DIR = (Path(__file__).resolve().parents[2] / "static").resolve()
BASE_URL = STATIC_DIR.as_uri() + "/"
MAX_HTML_BYTES = 256 * 1024
DEFAULT_TIME_LIMIT = 20.0
START_TIME_LIMIT = 60.0
TYPES = {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
QR_SCHEME = "qr:"
QR_MAX_TEXT = 1000
QR_MASK = 2  # fixed: every mask is valid QR, and choosing the "best" of eight costs ten times more
QR_BORDER = 4  # the quiet zone the standard asks for, in modules
_QR_GREY = bytes([255, 0]) + bytes(254)  # module value -> grey level: light white, dark black


class RenderError(Exception):
    """The document could not be rendered."""


class RenderRefused(RenderError):
    """The input is larger than a certificate can be."""


class RenderTimeout(RenderError):
    """Rendering ran past its time limit and was stopped."""


@dataclass
class Rendered:
    pdf: bytes
    fetched: list[str] = field(default_factory=list)  # URLs served (package files only)
    refused: list[str] = field(default_factory=list)  # URLs asked for and refused


def static_path_for(url: str, root: Path = STATIC_DIR) -> Path | None:
    """The package file a ``file:`` URL names, or None when it lies anywhere else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return None
    path = Path(url2pathname(unquote(parts.path))).resolve()  # resolves ``..`` and symlinks
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def qr_url(text: str) -> str:
    """The URL under which the renderer draws ``text`` as a QR code: ``<img src="{{ qr_url(...) }}">``.
    The code is a small grey-scale PNG, one pixel per module, drawn unsmoothed (``image-rendering:
    pixelated``): WeasyPrint embeds it in a fraction of the time an SVG of a few hundred path
    segments takes, and it prints just as sharp."""
    return QR_SCHEME + quote(text, safe="")


def qr_png(text: str) -> bytes:
    """``text`` as a QR code (error correction M, a quiet zone of four modules), as PNG bytes."""
    import segno
    from PIL import Image

    matrix = segno.make(text, error="m", mask=QR_MASK).matrix  # rows of 1 (dark) and 0 (light)
    size = len(matrix) + 2 * QR_BORDER
    quiet_row, quiet_edge = b"\xff" * size, b"\xff" * QR_BORDER
    rows = [quiet_row] * QR_BORDER + [quiet_edge + bytes(row).translate(_QR_GREY) + quiet_edge for row in matrix]
    out = io.BytesIO()
    Image.frombytes("L", (size, size), b"".join(rows + [quiet_row] * QR_BORDER)).save(out, format="PNG")
    return out.getvalue()


@lru_cache(maxsize=None)
def _headers(content_type: str):
    """Response headers for WeasyPrint, built once per type (from a dict, WeasyPrint builds an
    ``EmailMessage`` for every response, parsing the header: about as long as reading the logo)."""
    from email.message import EmailMessage

    headers = EmailMessage()
    headers["Content-Type"] = content_type
    return headers


def make_fetcher(root: Path = STATIC_DIR):
    """A WeasyPrint URL fetcher that serves files under ``root`` and QR codes it draws from a
    ``qr:`` URL, and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class PackageFilesOnly(URLFetcher):
        def __init__(self):
            super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False)
            self.fetched: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if url.startswith(QR_SCHEME) and len(text := unquote(url[len(QR_SCHEME):])) <= QR_MAX_TEXT:
                # Drawn here from the URL's own text: nothing is read, so it is not logged as fetched.
                return URLFetcherResponse(url, qr_png(text), _headers("image/png"))
            path = static_path_for(url, root)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"Refused to fetch {url[:200]}: only the package's own files are served.")
            self.fetched.append(url)
            kind = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), _headers(kind))

    return PackageFilesOnly()


class _Renderer:
    """Lives in the child process: one fetcher log per document, one shared font setup.

    ``user_agent`` (a stylesheet under static/, optional) stands in for WeasyPrint's own HTML
    defaults: matching every element against their few hundred rules costs a certificate a
    millisecond or two. Only documents written for it (the certificates) should ask for it. It goes
    through WeasyPrint's ``_ua_stylesheets`` hook; were that to go, the full defaults would apply
    again, under the document's own stylesheet: the same certificate, only slower."""

    def __init__(self, stylesheet: str | None, user_agent: str | None = None):
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.stylesheets = []
        if stylesheet:
            self.stylesheets.append(CSS(filename=str(STATIC_DIR / stylesheet),
                                        url_fetcher=make_fetcher(), font_config=self.font_config))
        self.html_class = HTML
        if user_agent:
            defaults = [CSS(filename=str(STATIC_DIR / user_agent), url_fetcher=make_fetcher())]

            class WithOwnDefaults(HTML):
                def _ua_stylesheets(self, forms=False):
                    return defaults

            self.html_class = WithOwnDefaults

    def render(self, html: str) -> Rendered:
        fetcher = make_fetcher()
        document = self.html_class(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        pdf = document.write_pdf(stylesheets=self.stylesheets, font_config=self.font_config)
        return Rendered(pdf, fetcher.fetched, fetcher.refused)


def _serve(connection, stylesheet: str | None, user_agent: str | None = None) -> None:
    """The child's loop: receive HTML, answer ("ok", pdf, fetched, refused) or ("error", message).
    Plain tuples only: the child runs this module as ``__main__``."""
    import logging

    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)  # refusals are reported in the answer
    renderer = _Renderer(stylesheet, user_agent)
    connection.send(("ready",))
    while True:
        try:
            html = connection.recv()
        except EOFError:
            return
        try:
            rendered = renderer.render(html)
            connection.send(("ok", rendered.pdf, rendered.fetched, rendered.refused))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises
            connection.send(("error", f"{type(error).__name__}: {error}"))


class RenderWorker:
    """A child process (``python -m society.services.certificates.rendering``) that renders one document at
    a time; killed when a render runs past its time limit, and started again for the next."""

    def __init__(self, stylesheet: str | None = None, user_agent: str | None = None):
        self.stylesheet, self.user_agent = stylesheet, user_agent
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._pid = None

    def render(self, html: str, time_limit: float = DEFAULT_TIME_LIMIT) -> Rendered:
        if len(html.encode("utf-8")) > MAX_HTML_BYTES:
            raise RenderRefused(f"The document is larger than {MAX_HTML_BYTES // 1024} KB; refused.")
        if not self._lock.acquire(timeout=time_limit * 3 + START_TIME_LIMIT):
            raise RenderTimeout("The renderer is busy; try again shortly.")
        try:
            self._ensure_started()
            self._connection.send(html)
            if not self._connection.poll(time_limit):
                self.stop()
                raise RenderTimeout(f"Rendering took longer than {time_limit:g} s and was stopped.")
            answer = self._connection.recv()
        except (EOFError, OSError) as error:
            self.stop()
            raise RenderError(f"The renderer stopped unexpectedly ({type(error).__name__}).") from error
        finally:
            self._lock.release()
        if answer[0] != "ok":
            raise RenderError(answer[1])
        return Rendered(*answer[1:])

    def _ensure_started(self) -> None:
        # A worker inherited through fork (gunicorn --preload) belongs to the parent: start our own.
        if self._process is not None and self._pid == os.getpid() and self._process.poll() is None:
            return
        self.stop()
        ours, theirs = socket.socketpair()
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), environment.get("PYTHONPATH")]))
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __spec__.name if __spec__ else "society.services.certificates.rendering",
                 str(theirs.fileno()), self.stylesheet or "", self.user_agent or ""],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=environment,
            )
        self._connection, self._pid = Connection(ours.detach()), os.getpid()
        if not self._connection.poll(START_TIME_LIMIT) or self._connection.recv() != ("ready",):
            self.stop()
            raise RenderError("The renderer did not start.")

    def stop(self) -> None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()
        if process is not None and self._pid == os.getpid():
            if process.poll() is None:
                process.kill()
            process.wait(10)


_workers: dict[tuple[str | None, str | None], RenderWorker] = {}
_workers_lock = threading.Lock()


def worker(stylesheet: str | None, user_agent: str | None = None) -> RenderWorker:
    """The process-wide worker for documents that share ``stylesheet`` and ``user_agent`` (paths under static/)."""
    with _workers_lock:
        if (stylesheet, user_agent) not in _workers:
            _workers[stylesheet, user_agent] = RenderWorker(stylesheet, user_agent)
        return _workers[stylesheet, user_agent]


@atexit.register
def stop_all() -> None:
    """Stop every renderer this process started (also run at exit)."""
    with _workers_lock:
        for each in _workers.values():
            each.stop()


def render_pdf(html: str, *, stylesheet: str | None = None, user_agent: str | None = None,
               time_limit: float = DEFAULT_TIME_LIMIT) -> Rendered:
    """Render ``html`` (relative URLs resolve inside static/) to PDF within ``time_limit`` seconds,
    with ``stylesheet`` and, in place of WeasyPrint's HTML defaults, ``user_agent`` (see ``_Renderer``)."""
    return worker(stylesheet, user_agent).render(html, time_limit)


if __name__ == "__main__":
    # The child: ``python -m society.services.certificates.rendering FD [STYLESHEET [USER_AGENT_STYLESHEET]]``.
    _serve(Connection(int(sys.argv[1])), *[arg or None for arg in sys.argv[2:4]])
