"""The ceiling the ingest benchmark compares against: Flask that parses the body and answers 204."""
import json

from flask import Flask, request


def create_bare_app():
    app = Flask("bare")

    @app.post("/v1/ingest/<stream>")
    def ingest(stream):
        json.loads(request.get_data())
        return "", 204

    return app
