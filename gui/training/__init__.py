"""The Training panel: the worker that trains, live curves, the runs."""
