"""A new kind is one folder: tests/toy_kinds/toy, added to jaxgan.kinds without touching a
core file, trains, resumes, evaluates and sweeps through the real loop."""

import json
import os

import jax
import numpy as np
import pytest

import jaxgan.kinds
from jaxgan import builder
from jaxgan import checkpoint
from jaxgan import configs
from jaxgan import interface
from jaxgan import parallel
from jaxgan import sweep
from jaxgan import train
from jaxgan.errors import UserError

TOY_KINDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "toy_kinds")


@pytest.fixture(autouse=True)
def toy_on_the_kinds_path(monkeypatch):
  monkeypatch.setattr(jaxgan.kinds, "__path__", [*jaxgan.kinds.__path__, TOY_KINDS])


def toy_config(num_steps=4):
  c = configs.base("toy")
  c.batch_size, c.num_steps = 8, num_steps
  c.log_every = c.checkpoint_every = c.sample_every = 2
  return c


def restore(config, workdir):
  exp = builder.build(config)
  ckpt = checkpoint.Checkpointer(str(workdir))
  state, data_state = ckpt.restore(exp.abstract_state(parallel.make_mesh()))
  ckpt.close()
  return jax.device_get(state), data_state


def test_the_toy_config_has_the_shared_fields_and_its_own_only():
  c = toy_config()
  assert c.kind == "toy" and c.toy.lr == 0.5
  assert "loss" not in c and "model" not in c and "optim" not in c
  assert sorted(c.sweep) == ["member", "members_as", "scale", "seeds"]


def test_a_toy_kind_trains_resumes_and_evaluates_through_the_loop(tmp_path):
  metrics = train.train_and_evaluate(toy_config(), str(tmp_path / "straight"))
  assert np.isfinite(metrics["loss"])
  assert sorted(os.listdir(tmp_path / "straight" / "samples")) == [
      "mean_00000002.png", "mean_00000004.png"]
  lines = [json.loads(line) for line in open(tmp_path / "straight" / "metrics.jsonl")]
  assert [line["step"] for line in lines] == [2, 4]
  assert lines[-1]["loss"] < lines[0]["loss"]

  train.train_and_evaluate(toy_config(2), str(tmp_path / "resumed"))
  train.train_and_evaluate(toy_config(4), str(tmp_path / "resumed"))
  straight, straight_data = restore(toy_config(), tmp_path / "straight")
  resumed, resumed_data = restore(toy_config(), tmp_path / "resumed")
  assert straight_data == resumed_data and sorted(straight_data) == ["first", "second"]
  for a, b in zip(jax.tree.leaves(straight), jax.tree.leaves(resumed)):
    assert a.tobytes() == b.tobytes()

  results = train.evaluate(toy_config(), str(tmp_path / "straight"))
  assert results["step"] == 4 and 0 > results["mean_pixel"] > -1  # MNIST is mostly black.
  with pytest.raises(UserError, match="does not generate images"):
    train.sample(toy_config(), str(tmp_path / "straight"))


def test_a_sweep_wraps_the_toy_kind(tmp_path):
  c = toy_config(2)
  c.sweep.seeds, c.sweep.scale = 1, (1.0, 2.0)
  train.train_and_evaluate(c, str(tmp_path))
  line = [json.loads(line) for line in open(tmp_path / "metrics.jsonl")][-1]
  assert line["member_1/loss"] > line["member_0/loss"] > 0
  assert sorted(os.listdir(tmp_path / "samples")) == ["member_0", "member_1"]
  assert [m["toy.scale"] for m in json.load(open(tmp_path / "sweep_members.json"))] == [1.0, 2.0]


def test_the_kind_says_whether_its_sweeps_unroll_on_cpu(monkeypatch):
  c = toy_config(2)
  c.sweep.seeds = 2
  assert sweep.members_as(c, "cpu") == "vmap"  # Kind's default: not convolutional.
  kind = interface.find_kind("toy")
  monkeypatch.setattr(kind, "convolutional", classmethod(lambda cls, config: True))
  assert sweep.members_as(c, "cpu") == "unroll"
  assert sweep.members_as(c, "gpu") == "vmap"


def test_an_unknown_kind_is_one_line_naming_the_kinds():
  with pytest.raises(UserError, match=r"config.kind='nope': no such kind; use one of ") as error:
    configs.base("nope")
  named = str(error.value).split("use one of ")[1]
  # Every folder of jaxgan.kinds (and the toy one added for these tests) is listed.
  for kind in ("classifier", "gan", "toy", "vae"):
    assert f"'{kind}'" in named
  assert "\n" not in str(error.value)
