"""One blueprint per domain. The API blueprints register on flask-smorest's ``api``."""


def register_all(app) -> None:
    from .auth import bp as auth_bp
    from .home import bp as home_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
