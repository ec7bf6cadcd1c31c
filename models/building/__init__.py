"""From a spec to Keras and back out: the builder, Strata's own layers, Python code export, the summary
table, and exports of a trained model."""
