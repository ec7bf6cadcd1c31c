"""Small widgets and helpers shared by the feature packages."""
