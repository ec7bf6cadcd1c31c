"""The Training panel's part that brings a project's trained model back: the last run's saved model loads in a
thread when the project opens (or an imported model's weights arrive) and becomes the session's trained model."""

from __future__ import annotations

from gui.model_tasks import ModelTask


class TrainedModelLoads:
    """Mixed into TrainingPanel: uses its document, session, `model_loads` holder, `_log`, `_fail` and
    `_model_ready`."""

    def _reload_trained_model(self) -> None:
        """The last run's saved model comes back with the project (loaded in a thread)."""
        self.model_loads.retire()  # a load for the previous project is not heard
        from models.training.run_models import run_model_path

        runs, path = self.document.project.runs, self.document.path
        record = runs[-1] if runs and isinstance(runs[-1], dict) else {}
        target = run_model_path(path, record.get("model_file"))
        if target is None:  # none, missing, or a path outside the project's folder (never followed)
            return
        from models.building.export import load_keras

        model_file = record["model_file"]
        task = ModelTask(lambda: load_keras(target), f"Loading {model_file}", self, delete_when_finished=True)
        self.model_loads.replace(task, done=lambda model: self.take_model(model, record), failed=self._fail)
        task.start()

    @property
    def loader(self) -> ModelTask | None:
        """The last run's model, while it loads."""
        return self.model_loads.worker

    def take_model(self, model, record: dict) -> None:
        """The model of one of the project's runs (loaded with the project, or imported) becomes the trained model:
        Inspection shows it, training continues from it, exports write it."""
        if not any(r is record for r in self.document.project.runs) or self.trained_model is not None:
            return  # a newer model trained meanwhile
        self.session.state.trained_model = model
        self.session.state.trained_fingerprint = record.get("model_fingerprint", "")
        self._log(f"Loaded the trained model of {record.get('id')}")
        self._model_ready(True)
