"""Tools around the product, not part of the tier: the farm simulator, the simulated Odoo, the
benchmarks and the synthetic readings they and the tests feed the pipeline with."""
