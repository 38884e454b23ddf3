"""Flask extensions, created unbound here and initialised once in the app factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from ledger.base import Base

db = SQLAlchemy(model_class=Base)
# Batch mode: SQLite can only change a table by copying it, which Alembic does for us.
migrate = Migrate(render_as_batch=True)
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page itself says what to do
