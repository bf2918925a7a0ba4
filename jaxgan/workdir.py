"""The run directory's own bookkeeping: one writer at a time, what may change on resume, and
metrics.jsonl kept to the steps that training will continue from.

Standard library only (no JAX), so the checks stay cheap and testable on their own.
"""

import dataclasses
import datetime
import errno
import fcntl
import fnmatch
import json
import os
import socket
import threading
import time

from absl import logging

from jaxgan import checkpoint_files
from jaxgan.errors import UserError

LOCK_FILE = "train.lock"
# Only where the filesystem has no working flock (some Lustre/NFS mounts): a holder on another
# host whose heartbeat (the lock file's mtime, touched every HEARTBEAT_S) is older than this is
# taken for dead.
HEARTBEAT_S = 60
STALE_AFTER_S = 10 * 60

# Fields a resumed run may change (fnmatch patterns over dotted config paths): how long to
# train, how often to log/sample/checkpoint/evaluate, how to evaluate and sample, the learning
# rates (the config wins on resume, see Kind.with_config_hyperparams), where the data
# lives, and the convolution implementation or how a sweep runs its members (same parameters,
# another program). Anything else changes the data order or the meaning of the saved state. A
# kind adds its own with the class attribute `Kind.resume_may_change`.
RESUME_MAY_CHANGE = (
    "num_steps", "log_every", "checkpoint_every", "sample_every", "keep_checkpoints",
    "eval_every", "eval.*", "sample.*", "optim.*lr", "sweep.*lr", "sweep.member",
    "sweep.members_as", "data.data_dir", "model.conv_impl",
)


# ----------------------------------------------------------------------------- the lock

def _now() -> str:
  return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _read_info(path: str) -> dict:
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError):
    return {}


def _describe(info: dict) -> str:
  if not info.get("pid"):
    return "another process that is still starting"
  return (f"host {info.get('host', '?')}, pid {info['pid']}, since "
          f"{info.get('started', '?')}")


def _busy(workdir: str, info: dict) -> UserError:
  stop = (f"stop it (kill {info['pid']} on {info.get('host', '?')})"
          if info.get("pid") else "stop it")
  return UserError(
      f"{workdir} is in use by another training process ({_describe(info)}); wait for it to "
      f"finish or {stop} before re-running, or train in another --workdir")


def _process_alive(info: dict, lock_mtime: float) -> bool:
  """Whether the holder in `info` may still run (only where flock is unavailable)."""
  if info.get("host") == socket.gethostname():
    try:
      os.kill(int(info["pid"]), 0)
    except ProcessLookupError:
      return False
    except PermissionError:  # Someone else's live process.
      return True
    return True
  return time.time() - lock_mtime < STALE_AFTER_S


@dataclasses.dataclass
class WorkdirLock:
  """Held for the whole run; `release()` (or the process's death) frees it."""
  path: str
  fd: int
  info: dict
  uses_flock: bool
  _stop: threading.Event = dataclasses.field(default_factory=threading.Event)

  def _heartbeat(self) -> None:
    while not self._stop.wait(HEARTBEAT_S):
      try:
        os.utime(self.fd)
      except OSError:
        pass

  def start_heartbeat(self) -> None:
    threading.Thread(target=self._heartbeat, name="workdir_heartbeat", daemon=True).start()

  def release(self) -> None:
    if self.fd < 0:
      return
    self._stop.set()
    try:  # Say it ended cleanly, so the next run does not report a dead holder.
      _write_info(self.fd, {**self.info, "released": _now()})
    except OSError:
      pass
    os.close(self.fd)  # Closing the descriptor drops the flock.
    self.fd = -1


def _write_info(fd: int, info: dict) -> None:
  os.ftruncate(fd, 0)
  os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
  os.fsync(fd)


def _take_over_note(workdir: str, previous: dict) -> None:
  if previous.get("pid") and not previous.get("released"):
    logging.warning("%s was last held by %s, which ended without releasing it (killed or its "
                    "node lost); taking it over.", workdir, _describe(previous))


def acquire(workdir: str) -> WorkdirLock:
  """Takes workdir/train.lock for this process, or raises the one-line UserError naming the
  process that holds it.

  flock(2) is the lock: the kernel (or the NFS server) drops it when its process dies, however
  it dies, so a lock left by a dead run is simply free, and two processes started at once
  cannot both hold it. The file's JSON (host, pid, start time) is only there to name the
  holder. Where flock is not supported the file's content and mtime decide instead.
  """
  os.makedirs(workdir, exist_ok=True)
  path = os.path.join(workdir, LOCK_FILE)
  info = {"host": socket.gethostname(), "pid": os.getpid(), "started": _now()}
  for _ in range(10):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      os.close(fd)
      holder = _read_info(path)
      if not holder.get("pid"):  # It is writing its name right now: read once more.
        time.sleep(0.2)
        holder = _read_info(path)
      raise _busy(workdir, holder) from None
    except OSError as error:
      os.close(fd)
      if error.errno in (errno.ENOLCK, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
        return _acquire_without_flock(workdir, path, info)
      raise
    try:  # Still the file at `path`? (Someone may have deleted it meanwhile.)
      same = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
      same = False
    if not same:
      os.close(fd)
      continue
    _take_over_note(workdir, _read_info(path))
    _write_info(fd, info)
    return WorkdirLock(path, fd, info, uses_flock=True)
  raise UserError(f"could not lock {path}: it keeps being replaced; is another process "
                  f"deleting it?")


def _acquire_without_flock(workdir: str, path: str, info: dict) -> WorkdirLock:
  """Best effort where flock is unavailable: last writer wins, and both writers check."""
  holder = _read_info(path)
  if holder.get("pid") and not holder.get("released"):
    if _process_alive(holder, os.stat(path).st_mtime):
      raise _busy(workdir, holder)
    _take_over_note(workdir, holder)
  fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
  _write_info(fd, info)
  time.sleep(0.5)  # Let a process that claimed at the same moment overwrite us, then look.
  now = _read_info(path)
  if now.get("pid") != info["pid"] or now.get("host") != info["host"]:
    os.close(fd)
    raise _busy(workdir, now)
  lock = WorkdirLock(path, fd, info, uses_flock=False)
  lock.start_heartbeat()
  logging.warning("%s: this filesystem has no flock; the workdir lock relies on the pid and "
                  "a heartbeat instead.", path)
  return lock


def acquire_for_job(workdir: str, is_chief: bool, any_process) -> WorkdirLock | None:
  """Process 0 takes the lock once for the whole job; every process learns if it failed.

  `any_process(flag)` is a collective (jaxgan.distributed.any_process), so all processes
  must call this.
  """
  lock, error = None, None
  if is_chief:
    try:
      lock = acquire(workdir)
    except UserError as caught:
      error = caught
  if any_process(error is not None):
    raise error or UserError(f"process 0 could not lock {workdir} (its output says why)")
  return lock


# ----------------------------------------------------------------------------- resume checks

def _flatten(tree, prefix: str = "") -> dict:
  flat = {}
  for key, value in tree.items():
    path = f"{prefix}{key}"
    if isinstance(value, dict):
      flat.update(_flatten(value, path + "."))
    else:
      flat[path] = value
  return flat


def _as_flag_value(value) -> str:
  if isinstance(value, list):
    return repr(str(tuple(value)))  # e.g. '(28, 28, 1)', as a shell word.
  if isinstance(value, str):
    return repr(value) if (not value or " " in value) else value
  return json.dumps(value)


def may_change(field: str, extra: tuple = ()) -> bool:
  return any(fnmatch.fnmatchcase(field, pattern) for pattern in RESUME_MAY_CHANGE + tuple(extra))


def config_json(config) -> dict:
  """The config as config.json holds it (tuples as lists), to compare like with like."""
  return json.loads(config.to_json_best_effort(sort_keys=True))


def check_resume(saved: dict, new: dict, workdir: str, step: int, extra: tuple = ()) -> None:
  """Raises UserError naming the first field that differs from the saved config and may not
  change on resume (see RESUME_MAY_CHANGE). Fields only one side has (the code gained or
  lost a field since) are not compared."""
  saved_flat, new_flat = _flatten(saved), _flatten(new)
  for field in sorted(saved_flat.keys() & new_flat.keys()):   # A sweep's list of rates, say.
    before, after = saved_flat[field], new_flat[field]
    if (isinstance(before, list) and isinstance(after, list) and len(before) != len(after)
        and may_change(field, extra)):
      raise UserError(
          f"config.{field} has {len(after)} values but the run in {workdir} (checkpoint "
          f"{step}) was trained with {len(before)} ({_as_flag_value(before)}): its values may "
          f"change on resume, their number (the sweep's members) may not; give "
          f"{len(before)} values or use a new --workdir")
  changed = [field for field in sorted(saved_flat.keys() & new_flat.keys())
             if saved_flat[field] != new_flat[field] and not may_change(field, extra)]
  if not changed:
    return
  field = changed[0]
  more = f" (also changed: {', '.join(changed[1:])})" if len(changed) > 1 else ""
  raise UserError(
      f"config.{field}={_as_flag_value(new_flat[field])} but the run in {workdir} (checkpoint "
      f"{step}) was trained with {_as_flag_value(saved_flat[field])}{more}; changing it on "
      f"resume would corrupt the run: use --config.{field}={_as_flag_value(saved_flat[field])}"
      f" or a new --workdir")


def read_saved_config(workdir: str) -> dict | None:
  path = os.path.join(workdir, "config.json")
  if not os.path.exists(path):
    return None
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError) as error:
    raise UserError(f"{path} is unreadable ({error}); restore it (it records the config the "
                    f"checkpoints were trained with) or use a new --workdir") from error


def nothing_to_train(step: int, num_steps: int, workdir: str) -> str | None:
  """The line to print, exit 0, when the checkpoint already reaches num_steps."""
  if step == num_steps:
    return (f"{workdir} is already trained to step {step} of {num_steps}; raise "
            f"--config.num_steps to continue")
  if step > num_steps:
    return (f"{workdir} is already trained to step {step}, past --config.num_steps="
            f"{num_steps}; nothing to train: raise --config.num_steps above {step} to continue "
            f"(or go back with --resume_step=N)")
  return None


# ----------------------------------------------------------------------------- metrics.jsonl

def drop_metrics_after(workdir: str, step: int, name: str = "metrics.jsonl") -> int:
  """Truncates workdir/metrics.jsonl to its rows up to `step` (the step training continues
  from), so rows a crash left past the last checkpoint are not there twice after resume.
  Also drops a half-written last row. Truncates in place: needs no free space. Returns how
  many rows were dropped."""
  path = os.path.join(workdir, name)
  if not os.path.exists(path):
    return 0
  keep, dropped = 0, 0
  with open(path, "rb") as f:
    data = f.read()
  offset = 0
  for line in data.splitlines(keepends=True):
    if keep == offset:  # Still in the kept prefix.
      try:
        row_step = json.loads(line)["step"] if line.endswith(b"\n") else None
      except (ValueError, KeyError, TypeError):
        row_step = None
      if row_step is not None and row_step <= step:
        keep = offset + len(line)
      else:
        dropped += 1
    else:
      dropped += 1
    offset += len(line)
  if keep < len(data):
    os.truncate(path, keep)
    logging.info("Dropped %d rows of %s past step %d (no checkpoint holds those steps).",
                 dropped, path, step)
  return dropped


# ----------------------------------------------------------------------------- the hook

def prepare_resume(config, workdir: str, checkpointer, resume_step: int | None,
                   may_change: tuple, is_chief: bool, barrier) -> tuple[int | None, str | None]:
  """What train.py runs before restoring, while holding the lock: removes partial save folders,
  sets aside the steps after `resume_step` (--resume_step), refuses config changes that would
  corrupt the run, and says when there is nothing left to train.

  Returns (step to restore or None for a new run, the line to print and stop with or None).
  `checkpointer` is a jaxgan.checkpoint.Checkpointer; `barrier()` is a collective that lets
  the other processes see what process 0 moved.
  """
  if is_chief:
    for path in checkpointer.remove_partial_saves():
      logging.warning("Removed %s, left by a save that never finished.", path)
  if resume_step is not None:
    if is_chief:
      moved = checkpoint_files.set_aside_after(checkpointer.directory, resume_step)
      if moved:
        logging.warning("--resume_step=%d: moved checkpoints %s to %s (delete them when done).",
                        resume_step, moved, os.path.join(workdir, checkpoint_files.SET_ASIDE_DIR))
    barrier()
    checkpointer.reload()
  step = checkpointer.latest_step()
  if step is None:
    return None, None
  saved = read_saved_config(workdir)
  if saved is None:
    logging.warning("%s has no config.json: cannot check the config against the one the "
                    "checkpoints were trained with.", workdir)
  else:
    check_resume(saved, config_json(config), workdir, step, may_change)
  return step, nothing_to_train(step, config.num_steps, workdir)


# ----------------------------------------------------------------------------- reading a run

# Fields that say what a run was trained on: eval and sample take them from the run's
# config.json, so a score is never taken against another dataset by omission.
RUN_DATA_FIELDS = ("data.name", "data.split", "data.image_shape")


def adopt_run_data_fields(config, workdir: str, explicit: tuple = ()) -> list[str]:
  """Sets `config`'s RUN_DATA_FIELDS to the values in workdir/config.json; a field given on
  the command line (`explicit`, dotted names) that differs is refused in one line. Returns
  the fields changed, as `field=value`."""
  saved = read_saved_config(workdir)
  if saved is None:
    return []
  saved_flat, mine = _flatten(saved), _flatten(config_json(config))
  adopted = []
  for field in RUN_DATA_FIELDS:
    if field not in saved_flat or field not in mine or saved_flat[field] == mine[field]:
      continue
    value = saved_flat[field]
    if field in explicit:
      raise UserError(
          f"config.{field}={_as_flag_value(mine[field])} but the run in {workdir} was trained "
          f"with {_as_flag_value(value)} (its config.json); leave the flag out to use the "
          f"run's, or pass --config.{field}={_as_flag_value(value)}")
    parent, leaf = field.rsplit(".", 1)
    holder = config[parent]
    holder[leaf] = tuple(value) if isinstance(holder[leaf], tuple) else value
    adopted.append(f"{field}={_as_flag_value(value)}")
  return adopted


def require_writable(workdir: str) -> None:
  """One line, before any compute, if results cannot be written into `workdir` (a read-only
  mount, a full disk, no permission)."""
  probe = os.path.join(workdir, f".write_probe_{os.getpid()}")
  try:
    with open(probe, "w") as f:
      f.write("x")
    os.remove(probe)
  except OSError as error:
    raise UserError(f"--workdir={workdir} cannot be written ({error.strerror}): results would "
                    f"be lost after computing them; make it writable, or copy the run to a "
                    f"writable directory and point --workdir there") from None
