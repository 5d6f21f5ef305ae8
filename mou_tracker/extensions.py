"""Flask extensions, created unbound and initialised in the app factory."""

from typing import TYPE_CHECKING

from flask import request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .models.base import Base


class _SQLAlchemy(SQLAlchemy):
    if TYPE_CHECKING:
        from sqlalchemy.orm import Session

        #: A scoped_session, which proxies every Session method: typed as the Session the services take.
        session: Session  # type: ignore[assignment]


db = _SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
#: Rate limits live in memory per process by default; set MOU_RATELIMIT_STORAGE (redis://...) when several
#: workers serve the app, or each would count on its own.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """The limits set with decorators are on writes (sign-in attempts, a POST; the API counts its own requests,
    api/framework.py): a read is not looked at, which was a twentieth of a kept page's time."""
    return request.method in ("GET", "HEAD", "OPTIONS")


#: Rendered parts of the status pages, kept until the negotiation changes (see services/reports.state_stamp).
page_cache = Cache()
