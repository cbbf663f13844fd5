"""The welcome desk's reporting dashboard."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
