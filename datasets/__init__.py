"""Strata's Qt-free data sources and preprocessing, shared by the GUI, the CLI and the tests."""
