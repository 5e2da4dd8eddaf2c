"""Smart Dairy IoT Core: the stateless webhook tier EMQX posts to.

``create_app()`` is the factory gunicorn and the tests call. Importing the package opens nothing;
stores and pools open lazily in each worker (a pool made before gunicorn forks would be shared
by accident).
"""


def create_app(test_config=None):
    from webhooks.app import build

    return build(test_config)
