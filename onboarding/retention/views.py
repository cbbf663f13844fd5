"""Erasure, legal hold and retention pages (filled in by the erasure work of issue 11)."""

from flask import Blueprint

bp = Blueprint("retention", __name__)
