"""The command line's mistakes, caught before JAX starts, each as one line and exit status 1.

`parse_flags` is main.py's absl flags parser: it checks that the --config file exists and
compiles (before importing it, since experiment files import JAX), turns the flags library's
errors (an unknown field, a wrong type) into one line with its suggestion, and checks
--workdir for the mode. Standard library and absl only.
"""

import importlib.util
import os
import re
import sys

from absl import flags

from jaxgan.errors import UserError
from jaxgan.errors import one_line

FLAGS = flags.FLAGS
READING_MODES = ("sample", "eval", "export", "export_member")


def die(message: str) -> None:
  print(f"jaxgan: error: {one_line(message)}", file=sys.stderr)
  sys.exit(1)


def flag_value(argv: list[str], name: str) -> str | None:
  """The last value of --name=V or --name V in argv (as absl reads it), else None."""
  value = None
  for index, arg in enumerate(argv):
    if arg.startswith(f"--{name}="):
      value = arg.split("=", 1)[1]
    elif arg == f"--{name}" and index + 1 < len(argv):
      value = argv[index + 1]
  return value


def check_config_file(argv: list[str]) -> None:
  """The --config file exists and is valid Python (ml_collections would otherwise fail late,
  or in a traceback)."""
  value = flag_value(argv, "config")
  if value is None:
    raise UserError("--config=FILE is required: an experiment file such as "
                    "experiments/dcgan_mnist.py")
  path = value.split(":", 1)[0]  # FILE:ARG passes ARG to get_config.
  if not os.path.isfile(path):
    where = os.path.dirname(path) or "."
    known = sorted(n for n in os.listdir(where) if n.endswith(".py") and not n.startswith("_")) \
        if os.path.isdir(where) else []
    hint = f" ({where} has {', '.join(known[:6])}{', ...' if len(known) > 6 else ''})" \
        if known else ""
    raise UserError(f"--config={value}: no such file{hint}; give an experiment file such as "
                    f"experiments/dcgan_mnist.py")
  try:
    with open(path, encoding="utf-8") as f:
      compile(f.read(), path, "exec")
  except SyntaxError as error:
    raise UserError(f"--config={value}: syntax error at line {error.lineno}: {error.msg}; fix "
                    f"the file") from None
  except (OSError, UnicodeDecodeError, ValueError) as error:
    raise UserError(f"--config={value}: cannot be read ({error})") from None


def check_get_config(argv: list[str]) -> None:
  """The --config file defines get_config(), which runs and returns a ConfigDict naming its
  `kind`: each failure is one line naming the file, never taken for an unknown field."""
  value = flag_value(argv, "config")
  path, *args = value.split(":", 1)
  spec = importlib.util.spec_from_file_location("jaxgan_preflight_config", path)
  module = importlib.util.module_from_spec(spec)
  try:
    spec.loader.exec_module(module)
  except Exception as error:  # The experiment file's own code failed: say where, briefly.
    raise UserError(f"--config={value} could not be loaded ({type(error).__name__}: "
                    f"{' '.join(str(error).split())[:300]}); fix the file") from None
  get_config = getattr(module, "get_config", None)
  if not callable(get_config):
    raise UserError(f"--config={value} defines no get_config(); an experiment file defines "
                    f"get_config() returning an ml_collections.ConfigDict (see "
                    f"experiments/dcgan_mnist.py)")
  try:
    config = get_config(*args)
  except Exception as error:
    raise UserError(f"--config={value}: get_config() failed ({type(error).__name__}: "
                    f"{' '.join(str(error).split())[:300]}); fix the file") from None
  from ml_collections import ConfigDict   # Imported here: absl-only until a file is read.
  if not isinstance(config, ConfigDict):
    raise UserError(f"--config={value}: get_config() returned {type(config).__name__}, not an "
                    f"ml_collections.ConfigDict; build the config as experiments/*.py do "
                    f"(start from jaxgan.configs.base())")
  if "kind" not in config:
    raise UserError(f"--config={value}: the ConfigDict from get_config() has no field `kind` "
                    f"(which model kind trains: gan, vae, ...); start from jaxgan.configs.base() "
                    f"as experiments/*.py do")


def _unknown_field_message(argv: list[str], error: Exception) -> str:
  """ml_collections' KeyError/AttributeError for an unknown override, as one line."""
  text = str(error).strip("'\"").replace("\\n", "\n").replace("\\'", "'")
  name = text.split("\n", 1)[0].strip("'\"")
  suggestion = re.search(r'Did you mean "([^"]+)"', text)
  flag = next((a.split("=", 1)[0] for a in argv
               if a.startswith("--config.") and a.split("=", 1)[0].endswith(name)), None)
  flag = flag or f"--config...{name}"
  hint = (f"did you mean {flag[:len(flag) - len(name)]}{suggestion.group(1)}?" if suggestion
          else "see the experiment file (or a run's config.json) for the fields")
  return f"{flag}: no such config field; {hint}"


def check_workdir(workdir: str | None, mode: str) -> None:
  """--workdir can hold a run (train) or holds one (sample, eval, export, export_member)."""
  if mode == "bench":
    return
  if not workdir:
    raise UserError(f"--mode={mode} needs --workdir=DIR (where the run lives)")
  path = os.path.abspath(workdir)
  if mode in READING_MODES:
    checkpoints = os.path.join(path, "checkpoints")
    steps = ([n for n in os.listdir(checkpoints) if n.isdigit()]
             if os.path.isdir(checkpoints) else [])
    if not steps:
      raise UserError(f"--workdir={workdir} holds no checkpoints ({checkpoints} "
                      f"{'is empty' if os.path.isdir(checkpoints) else 'does not exist'}); "
                      f"check the path, or train first with --mode=train")
    return
  existing = path
  while not os.path.exists(existing):
    existing = os.path.dirname(existing)
  if not os.path.isdir(existing):
    raise UserError(f"--workdir={workdir}: {existing} is a file, not a directory; give a "
                    f"directory path for the run")
  if not os.access(existing, os.W_OK | os.X_OK):
    what = "is not writable" if existing == path else f"cannot be created: {existing} is not writable"
    raise UserError(f"--workdir={workdir} {what}; give a writable directory for the run")


def parse_flags(argv: list[str]) -> list[str]:
  """absl's flags_parser for main.py: the flags, or one line on stderr and exit 1."""
  try:
    if not any(a in ("--help", "--helpfull", "--helpshort", "-h", "-?") for a in argv):
      check_config_file(argv[1:])
      check_get_config(argv[1:])
    rest = FLAGS(argv)
    FLAGS.config.keys()  # A load error of the config file is raised here, not at parsing.
  except UserError as error:
    die(str(error))
  except flags.Error as error:
    hint = ("; give a value of the field's type (see the experiment file)"
            if str(error).startswith("flag --config.") else "")
    die(f"{error}{hint}")
  except (KeyError, AttributeError) as error:
    die(_unknown_field_message(argv, error))
  except Exception as error:  # The experiment file's own code failed: say where, briefly.
    message = " ".join(str(error).split())[:300]
    die(f"--config={flag_value(argv, 'config')} could not be loaded "
        f"({type(error).__name__}: {message}); fix the file")
  try:
    check_workdir(FLAGS.workdir, FLAGS.mode)
    if FLAGS.resume_step is not None and FLAGS.mode != "train":
      raise UserError(f"--resume_step is for --mode=train; --mode={FLAGS.mode} reads the step "
                      f"in --config.sample.checkpoint_step")
  except UserError as error:
    die(str(error))
  return rest
