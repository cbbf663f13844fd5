"""Candidate documents: upload, review by the desk, download by those allowed."""

from flask import Blueprint

bp = Blueprint("documents", __name__)
