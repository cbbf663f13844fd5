"""Privacy notice and consent pages (filled in by the consent work of issue 11)."""

from flask import Blueprint

bp = Blueprint("consent", __name__)
