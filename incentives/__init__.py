"""积分超市: the Flask application factory."""

from pathlib import Path

from flask import Flask

from incentives import config
from incentives.extensions import babel, csrf, db, login_manager, migrate
from ledger.transaction import configure_engine

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)

    _init_extensions(app)
    _register_blueprints(app)

    from incentives import errors, filters, i18n

    errors.register(app)
    filters.register(app)
    i18n.register(app)

    from incentives.cli import register as register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    import incentives.models  # noqa: F401  every table on the one metadata, for Alembic too

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    from incentives.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from incentives.appraisal.views import bp as appraisal_bp
    from incentives.auth.views import bp as auth_bp
    from incentives.campaigns.views import bp as campaigns_bp
    from incentives.cards.views import bp as cards_bp
    from incentives.claims.views import bp as claims_bp
    from incentives.counter.views import bp as counter_bp
    from incentives.credits.views import bp as credits_bp
    from incentives.events.views import bp as events_bp
    from incentives.home.views import bp as home_bp
    from incentives.households.views import bp as households_bp
    from incentives.public.views import bp as public_bp
    from incentives.publications.views import bp as publications_bp
    from incentives.reports.views import bp as reports_bp
    from incentives.rules.views import bp as rules_bp
    from incentives.scheduler.views import bp as scheduler_bp
    from incentives.supermarkets.views import bp as supermarkets_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(households_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(rules_bp)
    app.register_blueprint(appraisal_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(scheduler_bp)
    app.register_blueprint(supermarkets_bp)
    app.register_blueprint(counter_bp)
    app.register_blueprint(credits_bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(publications_bp)
