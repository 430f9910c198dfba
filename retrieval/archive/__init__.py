"""Where passages are searched: the ``Archive`` protocol and its query ``Scope``, the embedded
index in the data folder, or an OpenSearch cluster.

Other packages import these names from here, never from the modules.
"""

from .archive import Archive, CutArticle, Scope
from .embedded import EmbeddedArchive
from .opensearch import REPLICAS, SHARDS, Cluster, ClusterError, OpenSearchArchive, cluster_stats

__all__ = [
    "Archive",
    "Cluster",
    "ClusterError",
    "CutArticle",
    "EmbeddedArchive",
    "OpenSearchArchive",
    "REPLICAS",
    "SHARDS",
    "Scope",
    "cluster_stats",
]
