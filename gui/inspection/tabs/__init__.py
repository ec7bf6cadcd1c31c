"""The Inspection panel's tabs: feature maps, overview, filters, hierarchy, features, embeddings, attention,
predictions, decision boundary.

Each tab is a view over one `ViewData` (numbers already computed off the GUI thread, by the inspection
worker or live by the training thread) and redraws only when it is the visible tab. A tab that does not
apply to the model says why instead of staying blank.
"""

from gui.inspection.tabs.attention import AttentionTab
from gui.inspection.tabs.base import InspectionTab
from gui.inspection.tabs.embeddings import EmbeddingsTab
from gui.inspection.tabs.features import FeaturesTab
from gui.inspection.tabs.filters import FiltersTab
from gui.inspection.tabs.hierarchy import HierarchyTab
from gui.inspection.tabs.maps import FeatureMapsTab, OverviewTab
from gui.inspection.tabs.predictions import BoundaryTab, PredictionsTab

__all__ = ["TABS", "AttentionTab", "BoundaryTab", "EmbeddingsTab", "FeatureMapsTab", "FeaturesTab", "FiltersTab",
           "HierarchyTab", "InspectionTab", "OverviewTab", "PredictionsTab"]

TABS: list[tuple[str, type[InspectionTab]]] = [
    ("Feature maps", FeatureMapsTab), ("Overview", OverviewTab), ("Filters", FiltersTab),
    ("Hierarchy", HierarchyTab), ("Features", FeaturesTab), ("Embeddings", EmbeddingsTab), ("Attention", AttentionTab),
    ("Predictions", PredictionsTab), ("Decision boundary", BoundaryTab),
]
