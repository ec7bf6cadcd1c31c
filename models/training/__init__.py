"""Training a model: the settings, the trainer, each batch's own values, and the runs a project keeps
(records and trained model files)."""
