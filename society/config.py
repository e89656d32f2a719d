"""Settings read from the environment, with safe development defaults."""
import os
import secrets
from pathlib import Path

WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me"}


def weak_secret(secret: str) -> bool:
    """Too short, a known placeholder, or too few distinct characters to be random
    (one repeated character, spaces, "abababab...")."""
    return (len(secret) < 32 or secret.lower() in WEAK_SECRETS or len(set(secret)) < 8
            or not secret.strip())


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL for DATABASE_URL; PostgreSQL always goes through psycopg 3."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'society.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def development_secret(instance_path: str) -> str:
    """A random key kept in instance/ so development sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def signing_settings(env) -> dict:
    """Certificate signing per society code from CERTIFICATE_SIGNING_<CODE>_<PKCS12|KEY|CERT|PASSPHRASE>."""
    settings: dict[str, dict] = {}
    for name, value in env.items():
        if not name.startswith("CERTIFICATE_SIGNING_") or not value:
            continue
        code, _, part = name[len("CERTIFICATE_SIGNING_"):].rpartition("_")
        if code and part in ("PKCS12", "KEY", "CERT", "PASSPHRASE"):
            settings.setdefault(code, {})[part.lower()] = value
    return settings


def load(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    production = env.get("SOCIETY_ENV", "development") == "production"
    settings = {
        "ENV_NAME": "production" if production else env.get("SOCIETY_ENV", "development"),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        # Earlier keys, comma-separated: sessions and two-factor secrets made with them stay valid.
        "SECRET_KEY_FALLBACKS": [key for key in env.get("SECRET_KEY_FALLBACKS", "").split(",") if key],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production or env.get("SESSION_COOKIE_SECURE") == "1",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        "LANGUAGES": ["en", "sv"],
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)),
        "EVIDENCE_MAX_BYTES": int(env.get("EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)),
        "STORAGE_DIR": env.get("STORAGE_DIR", str(Path(instance_path) / "storage")),
        "PAGE_SIZE": 50,
        # Log-in throttling counts failures in the database so it holds across workers.
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_WINDOW_SECONDS": int(env.get("LOGIN_WINDOW_SECONDS", 15 * 60)),
        # LOGIN_MAX_FAILURES locks one (account, address) pair; these stop spraying many accounts from one
        # address, and one account guessed from many (sparing addresses it logged in from lately).
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(env.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 50)),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": int(env.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 100)),
        "LOGIN_KNOWN_ADDRESS_DAYS": int(env.get("LOGIN_KNOWN_ADDRESS_DAYS", 90)),
        # Reverse proxies in front that set X-Forwarded-For/-Proto (0: trust no such header).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", 0)),
        # One-time links by e-mail: an invitation to set a password, a password reset.
        "INVITATION_HOURS": int(env.get("INVITATION_HOURS", 48)),
        "RESET_HOURS": int(env.get("RESET_HOURS", 2)),
        # Reset e-mails per address and hour; more requests get the same answer and no e-mail.
        "RESET_MAX_PER_HOUR": int(env.get("RESET_MAX_PER_HOUR", 3)),
        # argon2id cost (services/platform/accounts.py); lower only where nothing real is protected.
        "PASSWORD_HASH_TIME_COST": int(env.get("PASSWORD_HASH_TIME_COST", 3)),
        "PASSWORD_HASH_MEMORY_KIB": int(env.get("PASSWORD_HASH_MEMORY_KIB", 64 * 1024)),
        "PASSWORD_HASH_PARALLELISM": int(env.get("PASSWORD_HASH_PARALLELISM", 4)),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        # Per process; "memory-inline" is limits' memory storage without its timer thread (society/api.py).
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory-inline://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "300 per minute"),
        # The public finder's "contact the leaders" form: messages per client address, and the
        # signed time token's window (faster than a person types, or a form left open for a day).
        "FINDER_CONTACT_RATE_LIMIT": env.get("FINDER_CONTACT_RATE_LIMIT", "5 per hour"),
        "FINDER_CONTACT_MIN_SECONDS": int(env.get("FINDER_CONTACT_MIN_SECONDS", 3)),
        "FINDER_CONTACT_MAX_AGE_SECONDS": int(env.get("FINDER_CONTACT_MAX_AGE_SECONDS", 86400)),
        "API_TITLE": "Balint society registry",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # The API reference, served from the package (society/static/vendor/swagger-ui, no CDN).
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "API_CACHE_MAX_AGE": int(env.get("API_CACHE_MAX_AGE", 300)),
        "API_ANSWER_CACHE_SIZE": int(env.get("API_ANSWER_CACHE_SIZE", 512)),
        "API_DATA_VERSION_REUSE_SECONDS": float(env.get("API_DATA_VERSION_REUSE_SECONDS", 1.0)),
        "API_FRONT_CACHE": env.get("API_FRONT_CACHE", "1") == "1",
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS") == "1",
        "MAIL_SENDER": env.get("MAIL_SENDER", "registry@localhost"),
        "MAIL_ENABLED": env.get("MAIL_ENABLED", "1") == "1",
        "SCHEDULER_IN_PROCESS": env.get("SCHEDULER_IN_PROCESS") == "1",
        "SCAN_TIME": env.get("SCAN_TIME", "02:00"),
        "REMINDER_TIME": env.get("REMINDER_TIME", "07:00"),
        # The retention of personal data by each society's rules (services/privacy/retention.py).
        "RETENTION_TIME": env.get("RETENTION_TIME", "03:00"),
        "CERTIFICATE_SIGNING": signing_settings(env),
        "CERTIFICATE_RENDER_SECONDS": float(env.get("CERTIFICATE_RENDER_SECONDS", 20)),
        # Renderer processes for certificates in bulk (year-end, zips); empty: one per CPU core.
        "CERTIFICATE_RENDER_PROCESSES": int(env["CERTIFICATE_RENDER_PROCESSES"]) if env.get("CERTIFICATE_RENDER_PROCESSES") else None,

        # A scheduler holds its lease this long unless renewed; a standing-by one takes over after it.
        "SCHEDULER_LEASE_SECONDS": int(env.get("SCHEDULER_LEASE_SECONDS", 60)),
        # How late a daily job may still start (after a stall, a restart or a take-over).
        "JOB_MISFIRE_GRACE_SECONDS": int(env.get("JOB_MISFIRE_GRACE_SECONDS", 6 * 3600)),
        # A run still "running" after this long died with its process.
        "JOB_STALE_MINUTES": int(env.get("JOB_STALE_MINUTES", 180)),
        "MAIL_TIMEOUT": int(env.get("MAIL_TIMEOUT", 30)),
        # CSV imports (services/membership/import_jobs.py): a file up to IMPORT_INLINE_ROWS rows is
        # imported in the request; larger ones by the scheduler's import job, checked
        # IMPORT_CHUNK_ROWS and created IMPORT_PUBLISH_ROWS at a time.
        "IMPORT_INLINE_ROWS": int(env.get("IMPORT_INLINE_ROWS", 2000)),
        "IMPORT_CHUNK_ROWS": int(env.get("IMPORT_CHUNK_ROWS", 500)),
        "IMPORT_PUBLISH_ROWS": int(env.get("IMPORT_PUBLISH_ROWS", 5000)),
        "IMPORT_REQUEST_SECONDS": float(env.get("IMPORT_REQUEST_SECONDS", 3)),
        "IMPORT_JOB_SECONDS": float(env.get("IMPORT_JOB_SECONDS", 20)),
        "IMPORT_POLL_SECONDS": int(env.get("IMPORT_POLL_SECONDS", 2)),
        "IMPORT_CHUNK_PAUSE_SECONDS": float(env.get("IMPORT_CHUNK_PAUSE_SECONDS", 0.02)),
        "IMPORT_PUBLISH_STALE_SECONDS": float(env.get("IMPORT_PUBLISH_STALE_SECONDS", 60)),
        # Webhooks (services/platform/webhook_delivery.py): due deliveries are sent every
        # WEBHOOK_POLL_SECONDS by the active scheduler; a failure is retried after
        # WEBHOOK_RETRY_SECONDS, doubling each time up to WEBHOOK_RETRY_MAX_SECONDS, and given up
        # after WEBHOOK_MAX_ATTEMPTS (an administrator can resend it).
        "WEBHOOK_POLL_SECONDS": int(env.get("WEBHOOK_POLL_SECONDS", 10)),
        "WEBHOOK_TIMEOUT_SECONDS": float(env.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        "WEBHOOK_RETRY_SECONDS": int(env.get("WEBHOOK_RETRY_SECONDS", 30)),
        "WEBHOOK_RETRY_MAX_SECONDS": int(env.get("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)),
        "WEBHOOK_MAX_ATTEMPTS": int(env.get("WEBHOOK_MAX_ATTEMPTS", 10)),
        "WEBHOOK_BATCH": int(env.get("WEBHOOK_BATCH", 100)),
        "TESTING": False,
    }
    if overrides:
        settings.update(overrides)
    # A server's connections can drop while pooled, so each is checked on checkout; a file's cannot.
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                        {"pool_pre_ping": not settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")})
    if not settings["SECRET_KEY"]:
        if production:
            raise RuntimeError("SECRET_KEY must be set in production (at least 32 random characters).")
        settings["SECRET_KEY"] = development_secret(instance_path)
    if production and (settings["PASSWORD_HASH_TIME_COST"] < 2 or settings["PASSWORD_HASH_MEMORY_KIB"] < 19 * 1024):
        # OWASP's floor for argon2id; the cheap test parameters must never reach a real server.
        raise RuntimeError("PASSWORD_HASH_* is too weak for production: at least time cost 2 and 19456 KiB.")
    if production and weak_secret(settings["SECRET_KEY"]):
        raise RuntimeError("SECRET_KEY is too weak for production: use at least 32 random characters.")
    if production and (settings.get("DEBUG") or env.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes")):
        raise RuntimeError("FLASK_DEBUG must be off in production: the debugger runs code sent to it.")
    return settings
