"""The floor for bench/http.py: a bare Flask app that answers "hello", served by gunicorn
with the same settings as Onthaal (`gunicorn bench.hello_app:app`)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello"
