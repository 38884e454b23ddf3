"""Choosing the page language: Chinese unless the visitor picked English (remembered in a cookie)."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request
from flask_babel import get_locale

LANG_COOKIE = "lang"


def local_zone() -> ZoneInfo:
    """The deployment's time zone (``TIMEZONE``): the calendar villagers' days and months follow."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_choice(response):
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response


def lang_url(code: str) -> str:
    """This page in language ``code``, keeping its other query parameters."""
    args = request.args.to_dict()
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def register(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["lang_url"] = lang_url
    app.after_request(_remember_choice)
