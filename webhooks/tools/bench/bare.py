"""The apps the ingest benchmark compares the tier against.

``create_bare_app``: the ceiling the issue defines, Flask that parses the body and answers 204.
``create_floor_app``: what any tier honouring our contracts pays before doing its job: the same
Flask plus the tier's prometheus-flask-exporter set-up (multiprocess ``/metrics``) answering a 200
JSON body of the contract's shape, with no validation and no store. It shows how much of the gap
to the ceiling is the framework and the answer, and how much is the work.
"""
import json

from flask import Flask, Response, request


def create_bare_app():
    app = Flask("bare")

    @app.post("/v1/ingest/<stream>")
    def ingest(stream):
        json.loads(request.get_data())
        return "", 204

    return app


def create_floor_app():
    from webhooks import config, metrics

    app = Flask("floor")

    @app.post("/v1/ingest/<stream>")
    def ingest(stream):
        body = json.loads(request.get_data())
        answer = {"status": "accepted", "message_key": "-", "msg_id": body.get("msg_id") if isinstance(body, dict) else None}
        return Response(json.dumps(answer), mimetype="application/json")

    app.config["SDIOT"] = config.from_env()  # an app factory: it reads its settings, like the tier's
    metrics.init_app(app)
    return app
