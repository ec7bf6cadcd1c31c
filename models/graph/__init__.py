"""The model graph and its file: the layer catalog, the spec (nodes and edges), parameter checks, the
project file, the canvas layout and short layer descriptions."""
