"""The Data panel: choosing, loading and previewing a dataset."""
