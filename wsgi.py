"""Entry point for gunicorn and `flask --app wsgi`.

ONTHAAL_INSTANCE_PATH names the instance folder (database, stored files, generated secret
key); by default it is `instance/` beside the code.
"""

import os

from onboarding import create_app

app = create_app(instance_path=os.environ.get("ONTHAAL_INSTANCE_PATH") or None)
