"""One blueprint per domain, discovered: each sub-package exposes ``bp`` (a Flask
Blueprint) and/or ``api_bp`` (a flask-smorest Blueprint registered on the API)."""
import importlib
import pkgutil


def register_all(app) -> None:
    from ..extensions import api

    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module_info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if getattr(module, "bp", None) is not None:
            app.register_blueprint(module.bp)
        if getattr(module, "api_bp", None) is not None:
            api.register_blueprint(module.api_bp)
