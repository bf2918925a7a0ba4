"""--mode=export: a trained generator as files that run without jaxgan.

Writes WORKDIR/export/step_STEP_{ema,raw}/ with

  generator.jax_export   `jax.export` serialized StableHLO, weights inside, batch size free;
                         load it with plain jax (load_example.py shows how)
  signature.json         the inputs (name, shape, dtype; "batch" is any size), the output,
                         the step, raw or EMA, and the jax version that wrote it
  load_example.py        a dozen lines: deserialize, draw inputs, call, save a PNG
  generator.onnx         the same function through jax2onnx, when the export extra is
                         installed (pip install -e '.[export]'); run it with onnxruntime

The function is the kind's `export_function` (interface.Exportable): the network in
inference mode with the weights and BatchNorm statistics its samples use. Convolutions are
traced with conv_impl=xla (plain lax ops, no custom gradients: an exported network only runs
forward).
"""

import json
import logging
import os
import re

import jax
import numpy as np

from jaxgan import interface
from jaxgan.errors import UserError

ARTIFACT = "generator.jax_export"
ONNX = "generator.onnx"
SIGNATURE = "signature.json"
EXAMPLE = "load_example.py"
BATCH = "batch"


def _specs(exportable: interface.Exportable, batch) -> list:
  return [jax.ShapeDtypeStruct((batch, *shape), np.dtype(dtype))
          for shape, dtype in exportable.inputs.values()]


def write_jax_export(exportable: interface.Exportable, out_dir: str) -> str:
  """generator.jax_export: lowered for CPU and CUDA when both lower, else for this backend."""
  (batch,) = jax.export.symbolic_shape(BATCH)
  function = jax.jit(exportable.function)
  try:
    exported = jax.export.export(function, platforms=("cpu", "cuda"))(*_specs(exportable, batch))
  except Exception:  # pylint: disable=broad-except  # An op with no CUDA lowering here.
    exported = jax.export.export(function)(*_specs(exportable, batch))
  path = os.path.join(out_dir, ARTIFACT)
  with open(path, "wb") as f:
    f.write(exported.serialize())
  return ",".join(exported.platforms)


def _unsupported_operation(error: Exception) -> str:
  """'the operation NAME' when the converter names a primitive, else its message's first line."""
  found = re.search(r"primitive '([^']+)'", str(error))
  if found:
    return f"the operation {found.group(1)!r}"
  first = (str(error).strip().splitlines() or [""])[0]
  return f"{type(error).__name__}: {first}" if first else type(error).__name__


def write_onnx(exportable: interface.Exportable, out_dir: str) -> str:
  """generator.onnx through jax2onnx; returns "" or a one-line reason it was not written."""
  for name in ("jax2onnx", "onnx_ir"):  # Plugins for optional libraries log at import.
    logging.getLogger(name).setLevel(logging.ERROR)
  try:
    import jax2onnx  # pylint: disable=import-outside-toplevel
  except ImportError:
    return ("no ONNX file: jax2onnx is not installed (pip install -e '.[export]' and "
            "pip install --no-deps jax2onnx; see docs/export.md)")
  (batch,) = jax.export.symbolic_shape("B")
  try:
    jax2onnx.to_onnx(exportable.function, _specs(exportable, batch), model_name="generator",
                     input_names=list(exportable.inputs), output_names=[exportable.output],
                     return_mode="file", output_path=os.path.join(out_dir, ONNX))
  except Exception as error:  # pylint: disable=broad-except  # The converter raises many types.
    raise UserError(f"ONNX export: jax2onnx cannot express {_unsupported_operation(error)}; "
                    f"{os.path.join(out_dir, ARTIFACT)} (jax.export) was written and runs "
                    f"with plain jax") from None
  return ""


def _example(exportable: interface.Exportable) -> str:
  draws = []
  for name, (shape, dtype) in exportable.inputs.items():
    if np.issubdtype(np.dtype(dtype), np.integer):
      draws.append(f"{name} = np.arange(16, dtype=np.{dtype}) % LABELS  # class labels")
    else:
      draws.append(f"{name} = rng.standard_normal((16, {', '.join(map(str, shape))}))"
                   f".astype(np.{dtype})")
  names = ", ".join(exportable.inputs)
  return f'''"""Runs {ARTIFACT} with plain jax (no jaxgan): {exportable.description}."""
import os
import jax
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LABELS = {{labels}}

with open(os.path.join(HERE, "{ARTIFACT}"), "rb") as f:
  generator = jax.export.deserialize(bytearray(f.read()))
rng = np.random.default_rng(0)
{chr(10).join(draws)}
images = np.asarray(generator.call({names}))  # Any batch size works.
print("{exportable.output}", images.shape, images.dtype, images.min(), images.max())
if images.ndim == 4:  # Save them as one row, in [0, 255].
  from PIL import Image
  row = np.concatenate(list(images), axis=1)
  row = np.round((row + 1) * 127.5).clip(0, 255).astype(np.uint8)
  Image.fromarray(row[..., 0] if row.shape[-1] == 1 else row).save(
      os.path.join(HERE, "example.png"))
'''


def export(config, workdir: str) -> str:
  """Writes the export of `config.sample.checkpoint_step` (-1: latest) of the run in
  `workdir`, raw or EMA by `config.sample.use_ema`; returns the folder."""
  from jaxgan import train  # pylint: disable=import-outside-toplevel
  config = config.copy_and_resolve_references()
  if "conv_impl" in config.get("model", {}):
    config.model.conv_impl = "xla"  # Plain convolutions: the same function, forward only.
  exp, state = train.restore_for_inference(config, workdir)
  use_ema = bool(config.sample.use_ema)
  exportable = exp.export_function(state, use_ema)
  step = train.step_of(state)
  out_dir = os.path.join(workdir, "export", f"step_{step:08d}_{'ema' if use_ema else 'raw'}")
  os.makedirs(out_dir, exist_ok=True)
  platforms = write_jax_export(exportable, out_dir)
  labels = config.get("model", {}).get("num_classes", 0)
  with open(os.path.join(out_dir, EXAMPLE), "w") as f:
    f.write(_example(exportable).replace("{labels}", str(labels or 1)))
  with open(os.path.join(out_dir, SIGNATURE), "w") as f:
    json.dump({"inputs": [{"name": name, "shape": [BATCH, *shape], "dtype": dtype}
                          for name, (shape, dtype) in exportable.inputs.items()],
               "output": {"name": exportable.output,
                          "shape": [BATCH, *exportable.output_shape], "dtype": "float32"},
               "description": exportable.description, "step": step,
               "generator": "ema" if use_ema else "raw", "kind": config.kind,
               "jax_export_platforms": platforms, "jax_version": jax.__version__}, f, indent=2)
  skipped = write_onnx(exportable, out_dir)
  if skipped:
    logging.warning("%s", skipped)
  return out_dir
