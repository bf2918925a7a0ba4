"""Shared fixtures: one prepared copy of the shipped MNIST per test session."""

import os

import pytest


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
