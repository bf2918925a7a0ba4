"""Numerical kernels: convolutions with a fast CPU gradient path."""

from jaxgan.ops.conv import IMPLS, conv2d, conv_transpose2d, resolve_impl

__all__ = ["IMPLS", "conv2d", "conv_transpose2d", "resolve_impl"]
