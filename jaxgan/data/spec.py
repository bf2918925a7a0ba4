"""What a kind consumes: named features in named streams.

A kind declares its data as `{stream name: Stream}`; the pipeline reads each stream's dataset,
keeps the named features, checks their shapes, and batches them. `Feature.dtype` is the stored
dtype: uint8 features reach the step as float32 in [-1, 1], integer ones as int32, float ones
as float32.
"""

import dataclasses
from typing import Mapping


@dataclasses.dataclass(frozen=True)
class Feature:
  shape: tuple
  dtype: str = "uint8"
  below: int | None = None          # Integer values must lie in [0, below): a label's classes.
  below_field: str = "model.num_classes"   # The config field that sets `below`.


@dataclasses.dataclass(frozen=True)
class Stream:
  dataset: str                      # A shipped, generated, prepared-folder or TFDS name.
  split: str
  features: Mapping[str, Feature]
  examples_per_step: int            # Global examples of this stream per training step.
  data_dir: str = ""                # "": $JAXGAN_DATA_DIR or the default cache.
  seed_offset: int = 0              # Two streams of one run get different orders.
