"""What jaxgan adds around orbax's step folders: a checksum of every file, written once the
step is complete and verified before it is restored; cleaning of partial save folders; the
words for a save that failed. Standard library only.
"""

import errno
import json
import os
import re
import shutil
import time

from jaxgan.errors import UserError
from jaxgan.file_hash import file_sha256 as _sha256

CHECKSUM_FILE = "jaxgan_sha256.json"
PARTIAL_MARK = ".orbax-checkpoint-tmp"  # Orbax writes STEP.orbax-checkpoint-tmp*, then renames.
SET_ASIDE_DIR = "checkpoints_set_aside"


def step_dir(directory: str, step: int) -> str:
  return os.path.join(directory, str(step))


def _files(folder: str) -> list[str]:
  """Every regular file under `folder` but the checksum file, as sorted relative paths."""
  found = []
  for root, _, names in os.walk(folder):
    for name in names:
      relative = os.path.relpath(os.path.join(root, name), folder)
      if relative != CHECKSUM_FILE:
        found.append(relative)
  return sorted(found)


def write_checksums(folder: str) -> None:
  """Records the sha256 and size of every file of a finished step (atomically: a checksum
  file is either whole or absent)."""
  entries = {}
  for relative in _files(folder):
    path = os.path.join(folder, relative)
    entries[relative] = {"sha256": _sha256(path), "bytes": os.path.getsize(path)}
  temporary = os.path.join(folder, CHECKSUM_FILE + ".tmp")
  with open(temporary, "w") as f:
    json.dump({"files": entries}, f, indent=1, sort_keys=True)
    f.flush()
    os.fsync(f.fileno())
  os.replace(temporary, os.path.join(folder, CHECKSUM_FILE))


def verify_checksums(folder: str) -> str | None:
  """None if every file matches its recorded checksum; else what is wrong, in words. A step
  without a checksum file (the run stopped between the save and the checksum, or it predates
  checksums) is "unverified", not wrong: the caller decides."""
  path = os.path.join(folder, CHECKSUM_FILE)
  if not os.path.exists(path):
    return None
  try:
    with open(path) as f:
      entries = json.load(f)["files"]
  except (OSError, ValueError, KeyError) as error:
    return f"its checksum file {CHECKSUM_FILE} is unreadable ({type(error).__name__})"
  for relative, expected in sorted(entries.items()):
    file_path = os.path.join(folder, relative)
    if not os.path.exists(file_path):
      return f"{relative} is missing"
    size = os.path.getsize(file_path)
    if size != expected["bytes"]:
      return (f"{relative} is truncated ({size} of {expected['bytes']} bytes)"
              if size < expected["bytes"] else
              f"{relative} has grown ({size} bytes, {expected['bytes']} when saved)")
    if _sha256(file_path) != expected["sha256"]:
      return f"{relative} does not match its sha256 from save time (bit-rot or an overwrite)"
  return None


def has_checksums(folder: str) -> bool:
  return os.path.exists(os.path.join(folder, CHECKSUM_FILE))


def partial_folders(directory: str) -> list[str]:
  if not os.path.isdir(directory):
    return []
  return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                if PARTIAL_MARK in name)


def remove_partial_folders(directory: str) -> list[str]:
  """Deletes the folders of saves that never finished (only while holding the workdir lock:
  a live save of another process looks the same). Returns what was removed."""
  removed = partial_folders(directory)
  for path in removed:
    shutil.rmtree(path, ignore_errors=True)
  return removed


def folder_bytes(folder: str) -> int:
  total = 0
  for root, _, names in os.walk(folder):
    for name in names:
      try:
        total += os.path.getsize(os.path.join(root, name))
      except OSError:
        pass
  return total


def human_bytes(count: float) -> str:
  for unit in ("B", "KB", "MB", "GB", "TB"):
    if abs(count) < 1000 or unit == "TB":
      return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
    count /= 1000
  return f"{count:.1f} TB"


def _root_cause(error: BaseException) -> BaseException:
  """The OSError behind an orbax/tensorstore error if there is one, else the error itself."""
  seen, current = set(), error
  while current is not None and id(current) not in seen:
    if isinstance(current, OSError) and current.errno:
      return current
    seen.add(id(current))
    current = current.__cause__ or current.__context__
  return error


def _innermost(error: BaseException) -> BaseException:
  seen = set()
  while id(error) not in seen and (error.__cause__ or error.__context__) is not None:
    seen.add(id(error))
    error = error.__cause__ or error.__context__
  return error


def describe_error(error: BaseException) -> str:
  """One line for what failed: "No space left on device", "Permission denied: PATH", ..."""
  cause = _root_cause(error)
  if isinstance(cause, OSError) and cause.errno:
    text = os.strerror(cause.errno)
    return f"{text}: {cause.filename}" if cause.filename else text
  # TensorStore's own status ("OUT_OF_RANGE: Error reading ...") says more than orbax's wrapper.
  innermost = _innermost(error)
  if re.match(r"[A-Z_]{4,}: ", str(innermost)):
    cause = innermost
  message = " ".join(str(cause).split())
  if message.startswith(("OUT_OF_RANGE", "DATA_LOSS")):
    return f"a file is shorter than or different from what its index says: {message[:240]}"
  for known in ("No space left on device", "Disk quota exceeded", "Permission denied",
                "Read-only file system"):
    if known.lower() in message.lower():
      return known
  return f"{type(cause).__name__}: {message[:200]}"


def is_space_error(error: BaseException) -> bool:
  cause = _root_cause(error)
  if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
    return True
  message = str(cause).lower()
  return "no space left" in message or "quota" in message


def set_aside_after(directory: str, step: int) -> list[int]:
  """Moves the step folders after `step` to workdir/checkpoints_set_aside/ (kept, not deleted)
  so that training can continue from `step` and write those steps again."""
  if not os.path.isdir(step_dir(directory, step)):
    steps = sorted(int(n) for n in os.listdir(directory) if n.isdigit()) \
        if os.path.isdir(directory) else []
    raise UserError(f"--resume_step={step}: no checkpoint {step} in {directory}; available: "
                    f"{steps}")
  later = sorted(int(n) for n in os.listdir(directory) if n.isdigit() and int(n) > step)
  if not later:
    return []
  target = os.path.join(os.path.dirname(directory), SET_ASIDE_DIR)
  os.makedirs(target, exist_ok=True)
  stamp = time.strftime("%Y%m%d-%H%M%S")
  for later_step in later:
    destination = os.path.join(target, f"{later_step}-{stamp}")
    os.rename(step_dir(directory, later_step), destination)
  return later
