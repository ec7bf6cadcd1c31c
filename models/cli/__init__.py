"""The headless commands behind `python main.py COMMAND`."""
