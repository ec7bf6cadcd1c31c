"""Strata's Qt-free domain: what a model is, how it becomes Keras, how it trains and how we look inside.

Nothing in this package imports Qt, so the CLI, the tests and a headless training machine use it directly.
"""

__version__ = "0.1.0"
APP_NAME = "Strata"
