"""Rendering many certificates at once on every CPU core.

One renderer is one process (WeasyPrint holds the GIL), so a batch is spread over a pool of
processes started with ``spawn`` (no copy of the parent's database connections or threads), each
holding its own parsed stylesheet and fonts (``rendering._Renderer``). The parent builds each
certificate's HTML from its frozen snapshot, the workers turn plain strings into PDF bytes, and
the parent signs (where configured), stores and records them: workers never see the database.
"""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import current_app

from ...models import Certificate
from . import pdf as certificate_pdf, rendering, signing

CHUNK = 8  # certificates per task: few enough to keep every worker busy to the end
PARALLEL_FROM = 40  # below this many, starting the workers costs more than they save

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

_renderer = None
_templates = None


def _start_worker(stylesheet: str, user_agent: str) -> None:
    import logging

    from jinja2 import Environment, FileSystemLoader

    global _renderer, _templates
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)
    _renderer = rendering._Renderer(stylesheet, user_agent)
    # The certificate templates use Jinja's own filters only: no application is needed to fill them.
    _templates = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)


def _html_of(frozen: dict) -> str:
    html = _templates.select_template(certificate_pdf.template_names(frozen)).render(
        **certificate_pdf.template_context(frozen))
    if len(html.encode("utf-8")) > rendering.MAX_HTML_BYTES:
        raise rendering.RenderRefused("A certificate's HTML is larger than a certificate can be.")
    return html


def _render_chunk(snapshots: list[dict]) -> list[bytes]:
    """In a worker: certificates' frozen snapshots (plain data) -> their PDFs."""
    return [_renderer.render(_html_of(frozen)).pdf for frozen in snapshots]


def worker_count() -> int:
    configured = current_app.config.get("CERTIFICATE_RENDER_PROCESSES")
    return max(1, int(configured or os.cpu_count() or 1))


def render_many(certificates: list[Certificate], processes: int | None = None, progress=None) -> dict:
    """Render and store the PDFs of ``certificates`` not stored yet, on ``processes`` worker processes
    (default: one per CPU core), touching no table. Returns (every PDF by id, the new ones by id), like
    ``pdf.render_missing``; the caller records the new ones (``pdf.remember_all``). On one process, that
    is ``pdf.render_missing`` itself: this process's renderer, with no pool to start."""
    processes = processes or worker_count()
    if processes == 1:
        return certificate_pdf.render_missing(certificates, progress)
    every, todo = {}, []
    for certificate in certificates:
        stored = certificate_pdf.cached(certificate)
        if stored is None:
            todo.append(certificate)
        else:
            every[certificate.id] = stored
            if progress:
                progress(1)
    new = {}
    if not todo:
        return every, new
    documents = [(c.id, c.number, certificate_pdf.snapshot_of(c)) for c in todo]
    snapshots = [frozen for _id, _number, frozen in documents]
    signers = current_app.config.get("CERTIFICATE_SIGNING") or {}
    context = multiprocessing.get_context("spawn")
    chunks = [snapshots[i:i + CHUNK] for i in range(0, len(snapshots), CHUNK)]
    with ProcessPoolExecutor(max_workers=min(processes, len(chunks)), mp_context=context,
                             initializer=_start_worker,
                             initargs=(certificate_pdf.STYLESHEET, certificate_pdf.USER_AGENT_STYLESHEET)) as pool:
        index = 0
        for pdfs in pool.map(_render_chunk, chunks):
            for pdf in pdfs:
                certificate_id, number, frozen = documents[index]
                index += 1
                signer = signing.signer_for(frozen["society"]["code"], signers)
                if signer is not None:
                    pdf = signing.sign(pdf, signer, reason=f"Certificate {number}",
                                       location=frozen["society"]["name"])
                every[certificate_id] = new[certificate_id] = certificate_pdf.store(pdf)
                if progress:
                    progress(1)
    return every, new
