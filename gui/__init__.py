"""Strata's Qt widgets: thin views over `models` and `datasets`."""
