"""How fast certificates render and download, against WeasyPrint itself and a static file.

    .venv/bin/python bench/certificates.py [RUNS]      (default: 25)

Builds the demo (40 groups, about 50 certificates) on a temporary SQLite database, then
in one process, interleaving the measurements so machine load hits them alike:
  - WeasyPrint alone rendering a bare A4 page (warm);
  - a certificate's first download: access check, Jinja, QR code, render in the renderer
    process, store by sha256, audit row, response (each a certificate never rendered before);
  - the render step alone (HTML -> PDF in the renderer process);
  - a cached download (the same certificate again) against Flask serving a static file.
The issue asks for a first render at most 1.5 x the bare page, and a cached download close
to static-file speed. Medians in milliseconds.
"""
import os
import statistics
import sys
import tempfile
import time


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        from flask_migrate import upgrade
        from weasyprint import HTML

        from society import create_app
        from society.database import writing
        from society.extensions import db
        from society.models import Certificate
        from society.services import certificate_pdf, demo, rendering

        app = create_app({
            "SECRET_KEY": "bench" * 10, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
            "STORAGE_DIR": f"{folder}/storage", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        })
        with app.app_context():
            upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
            with writing():
                demo.seed(40)
                db.session.commit()
            numbers = list(db.session.scalars(db.select(Certificate.number).order_by(Certificate.id)))
            db.session.remove()
        if len(numbers) < runs + 2:
            runs = len(numbers) - 2
        client = app.test_client()
        email, password = demo.DEMO_LOGINS["admin"]
        assert client.post("/auth/login", data={"email": email, "password": password}).status_code == 302

        def download(number: str) -> bytes:
            response = client.get(f"/certificates/{number}.pdf")
            assert response.status_code == 200, response.status_code
            return response.data

        def bare_page():
            HTML(string="<style>@page { size: A4 landscape }</style><p>A bare page.</p>").write_pdf()

        start_up = timed(lambda: download(numbers[0]))  # starts the renderer process
        cold_bare = timed(bare_page)
        with app.app_context():
            frozen = certificate_pdf.snapshot_of(db.session.scalar(
                db.select(Certificate).where(Certificate.number == numbers[1])))
            html = certificate_pdf.html_for(frozen)
        bare, first, render_only = [], [], []
        for number in numbers[2:2 + runs]:
            bare.append(timed(bare_page))
            first.append(timed(lambda: download(number)))
            render_only.append(timed(lambda: rendering.render_pdf(html, stylesheet=certificate_pdf.STYLESHEET)))

        size = len(download(numbers[0]))
        static_size = len(client.get("/static/app.css").data)
        cached, static = [], []
        for _ in range(runs * 4):
            cached.append(timed(lambda: download(numbers[0])))
            static.append(timed(lambda: client.get("/static/app.css").close()))

        b, f, r = median_ms(bare), median_ms(first), median_ms(render_only)
        c, s = median_ms(cached), median_ms(static)
        print(f"certificates: {runs} first downloads, {runs * 4} cached downloads (medians)")
        print(f"  renderer start-up (once per process) {start_up * 1000:8.1f} ms   first bare page, cold {cold_bare * 1000:.1f} ms")
        print(f"  WeasyPrint alone, bare A4 page        {b:8.1f} ms")
        print(f"  certificate, render step alone        {r:8.1f} ms   = {r / b:.2f} x bare page")
        print(f"  certificate, first download (end to end) {f:5.1f} ms   = {f / b:.2f} x bare page (target <= 1.5); "
              f"{f / (cold_bare * 1000):.2f} x a cold bare page")
        print(f"  certificate, cached download          {c:8.2f} ms   ({size // 1024} KB, with its audit row)")
        print(f"  static file through Flask             {s:8.2f} ms   ({static_size // 1024} KB)   cached/static = {c / s:.2f}")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    import logging

    logging.disable(logging.WARNING)
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
