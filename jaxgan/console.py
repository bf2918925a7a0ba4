"""What the console shows of the libraries' log lines: their warnings and jaxgan's own lines,
not their bookkeeping (main.py installs the filter on absl's handler)."""

import logging
import os


class HideLibraryInfo(logging.Filter):
  """Keeps orbax's per-save INFO lines (and JAX's backend probing) off the console; warnings
  still show. Orbax's ERROR records (a failed background save logs its traceback four times)
  are hidden too: jaxgan turns every orbax failure into one line (checkpoint.SaveError,
  UserError); JAXGAN_SHOW_LIBRARY_ERRORS=1 shows them. TFDS's INFO and WARNING lines (loading
  dataset info, a version folder without its info while a dataset is being prepared) describe
  its own bookkeeping of datasets jaxgan wrote itself, so only its errors show."""

  def filter(self, record):
    if "/tensorflow_datasets/" in record.pathname:
      return record.levelno >= logging.ERROR
    if "/orbax/" in record.pathname:
      if record.levelno >= logging.ERROR:
        return bool(os.environ.get("JAXGAN_SHOW_LIBRARY_ERRORS"))
      return record.levelno >= logging.WARNING
    return record.levelno >= logging.WARNING or "/jax/_src/" not in record.pathname
