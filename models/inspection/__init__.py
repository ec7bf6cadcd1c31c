"""Looking inside a Keras model: numpy in, numpy out, no Qt.

`probe` (every layer's output for one input), `filters`, `attention`, `predictions`, `attribution` (Grad-CAM,
saliency), `boundary` (the decision boundary over the plane), `availability` (which views apply and why not),
`inputs` (what to feed a model), `live` (snapshots during training).
"""
