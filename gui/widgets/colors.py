"""The one set of colours: series (classes, runs, curves) and the error red, used alike by every view."""

SERIES = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab", "#c0ca33",
          "#d81b60"]  # Material 600s: distinct on white, in this order
ERROR = "#d32f2f"
