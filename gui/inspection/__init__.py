"""The Inspection panel: what every layer makes of an input, live while training."""
