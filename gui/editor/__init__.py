"""Qt widgets for editing the model: the canvas, the palette, the inspector and the summary."""
