"""The pipeline: typed products passed from stage to stage (see :mod:`.stages` for the order).

- :mod:`.products` — the products and the inputs a stage sees;
- :mod:`.exposure`, :mod:`.circuit_stages`, :mod:`.signalling_stage`,
  :mod:`.plasticity_stage`, :mod:`.fear_stage`, :mod:`.protocol_stages` — one
  module per stage (or pair of stages), each wiring one layer;
- :mod:`.stages` — the ordered list, with what each stage reads and writes;
- :mod:`.runner` — :func:`run_scenarios`, the one orchestrator.
"""

from ketasim.pipeline.products import CircuitSample, MissingInput, PipelineError, Product
from ketasim.pipeline.runner import ScenarioResult, run_scenarios
from ketasim.pipeline.stages import STAGES, Stage

__all__ = ["STAGES", "CircuitSample", "MissingInput", "PipelineError", "Product", "ScenarioResult", "Stage",
           "run_scenarios"]
