"""ClusterAtlas: measure, plan and evaluate industrial clusters and parks.

The library is layered as ``io`` (files and the store) → ``measures`` (pure maths) →
``analyses`` (the questions users ask) → faces (``cli``, ``report``). See DESIGN.md.
"""

__version__ = "0.1.0"
