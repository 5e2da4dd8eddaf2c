"""Packaging that setup.cfg cannot say: two data folders that stay where the layout puts them.

``sql/`` (migrations) and ``ops/emqx/`` (EMQX's auth config, read by ``sdiot acl``) are installed
as the packages ``sdiot_sql`` and ``sdiot_emqx``, so ``importlib.resources`` finds them in a wheel
as in a checkout. Everything else is in setup.cfg.
"""
from setuptools import find_packages, setup

DATA_PACKAGES = {"sdiot_sql": "sql", "sdiot_emqx": "ops/emqx"}

setup(
    packages=find_packages(include=["webhooks*", "emqx_rules*", "odoo_connector*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
)
