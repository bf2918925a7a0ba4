"""Shared fixtures: one prepared copy of the shipped MNIST per test session, one XLA
compilation cache, so the many tiny runs that build the same step compile it once, and
unoptimised XLA:CPU code generation, since the tests' programs are tiny."""

import os
import tempfile

import pytest


def pytest_configure(config):
  del config
  # Set before jax compiles anything; the environment carries it to the CLI subprocesses too.
  if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="jaxgan_test_xla_cache_")
  os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.2")
  # The tiny test programs spend far longer in XLA:CPU's LLVM passes than running (a flax
  # init's random numbers: ~1.3 s each to compile at the default level, ~0.25 s at 0), so the
  # suite compiles unoptimised. JAXGAN_TEST_XLA_OPTIMIZE=1 keeps XLA's default.
  if os.environ.get("JAXGAN_TEST_XLA_OPTIMIZE") != "1":
    flags = os.environ.get("XLA_FLAGS", "")
    if "--xla_backend_optimization_level" not in flags:
      os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory):
  """Points jaxgan at a fresh TFDS data dir, so the tests also exercise preparation."""
  directory = os.environ.get("JAXGAN_TEST_DATA_DIR") or str(tmp_path_factory.mktemp("tfds"))
  previous = os.environ.get("JAXGAN_DATA_DIR")
  os.environ["JAXGAN_DATA_DIR"] = directory
  yield directory
  if previous is None:
    os.environ.pop("JAXGAN_DATA_DIR", None)
  else:
    os.environ["JAXGAN_DATA_DIR"] = previous


@pytest.fixture
def tiny_config():
  from experiments import tiny
  return tiny.get_config()
