"""The window's dialogs: About, code export, keyboard shortcuts, New from a template."""
