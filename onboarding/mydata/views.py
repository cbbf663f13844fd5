"""Data access and export pages (filled in by the export work of issue 11)."""

from flask import Blueprint

bp = Blueprint("mydata", __name__)
