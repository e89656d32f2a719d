"""Optional PAdES signatures on certificate PDFs (pyHanko), per society.

A society that configures a PKCS#12 file, or a key and certificate, gets its
certificates signed; the others get them unsigned. See ``config.signing_settings``.
"""
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path

_signers: dict[tuple, object] = {}
_lock = threading.Lock()


class SigningNotConfigured(Exception):
    """A society's signing settings name files that cannot be loaded."""


def _load(settings: dict):
    from pyhanko.sign import signers

    passphrase = settings.get("passphrase")
    passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
    if settings.get("pkcs12"):
        data = Path(settings["pkcs12"]).read_bytes()
        try:
            return signers.SimpleSigner.load_pkcs12_data(data, other_certs=[], passphrase=passphrase)
        except ValueError as error:
            raise SigningNotConfigured(f"Cannot load {settings['pkcs12']}: {error}") from error
    if settings.get("key") and settings.get("cert"):
        signer = signers.SimpleSigner.load(settings["key"], settings["cert"], key_passphrase=passphrase)
        if signer is None:
            raise SigningNotConfigured(f"Cannot load the key {settings['key']} or certificate {settings['cert']}.")
        return signer
    raise SigningNotConfigured("Signing needs either 'pkcs12' or both 'key' and 'cert'.")


def signer_for(society_code: str, configuration: dict):
    """The signer configured for this society, loaded once per process, or None."""
    settings = configuration.get(society_code)
    if not settings:
        return None
    key = (society_code, tuple(sorted((k, str(v)) for k, v in settings.items())))
    with _lock:
        if key not in _signers:
            _signers[key] = _load(settings)
        return _signers[key]


def sign(pdf: bytes, signer, *, reason: str, location: str) -> bytes:
    """``pdf`` with a PAdES baseline signature by ``signer``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature", reason=reason[:200], location=location[:200],
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    return outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer).getvalue())


def outside_event_loop(work):
    """Run ``work`` (pyHanko's sync API calls ``asyncio.run``) on a thread with no running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
