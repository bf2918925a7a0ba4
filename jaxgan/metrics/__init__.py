"""Evaluation metrics as plain functions of numpy or jax arrays (results in float64).

Feature-set metrics (features from a network of your choice):
  frechet_distance, fid_from_features   Fréchet distance / FID
  kid                                   Kernel Inception Distance (unbiased MMD², cubic kernel)
  precision_recall                      improved precision & recall (Kynkäänniemi et al. 2019)
  density_coverage                      density & coverage (Naeem et al. 2020)
  RunningMoments, moments               streaming float64 mean / covariance for FID statistics
Classifier-output metrics:
  inception_score                       IS from logits
  stacked_mnist_modes                   modes hit and KL to uniform on Stacked MNIST
  class_accuracy                        per-class accuracy of a conditional generator
2D synthetic benchmarks:
  ring_modes, grid_modes, sample_ring, sample_grid, sample_mixture, mode_coverage_2d
"""

from jaxgan.metrics.frechet import fid_from_features, frechet_distance, trace_sqrt_product
from jaxgan.metrics.inception_score import inception_score
from jaxgan.metrics.kid import kid, polynomial_mmd2_unbiased
from jaxgan.metrics.mode_coverage import (
  class_accuracy,
  grid_modes,
  mode_coverage_2d,
  ring_modes,
  sample_grid,
  sample_mixture,
  sample_ring,
  stacked_mnist_modes,
)
from jaxgan.metrics.precision_recall import density_coverage, knn_radii, precision_recall
from jaxgan.metrics.stats import RunningMoments, moments

__all__ = [
  "RunningMoments",
  "class_accuracy",
  "density_coverage",
  "fid_from_features",
  "frechet_distance",
  "grid_modes",
  "inception_score",
  "kid",
  "knn_radii",
  "mode_coverage_2d",
  "moments",
  "polynomial_mmd2_unbiased",
  "precision_recall",
  "ring_modes",
  "sample_grid",
  "sample_mixture",
  "sample_ring",
  "stacked_mnist_modes",
  "trace_sqrt_product",
]
