"""Partners (public application, desk review), outreach campaigns, CSV import and export."""

from flask import Blueprint

bp = Blueprint("partners", __name__)
