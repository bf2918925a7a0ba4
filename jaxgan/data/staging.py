"""Writing a dataset folder safely: a staging folder per writer (its leftovers from killed
writers removed), one writer per name at a time, and an atomic swap into place.

    with staging.writer(data_dir, name) as folder:   # refuses a second writer of `name`
      ... write into folder ...
      staging.put_in_place(new_version_dir, target, replace=True)

A dataset is replaced only by a complete one: the new folder is exchanged with the old one
in one `renameat2(RENAME_EXCHANGE)` call (Linux), so no moment exists without a dataset; the
old copy lands in the staging folder and goes with it.
"""

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import socket
import tempfile

from jaxgan.errors import UserError

OWNER_FILE = "owner"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _alive(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:
    return True
  return True


def _owner(folder: str) -> tuple[str, int] | None:
  try:
    with open(os.path.join(folder, OWNER_FILE)) as f:
      host, pid = f.read().split()
    return host, int(pid)
  except (OSError, ValueError):
    return None


def remove_abandoned(directory: str, name: str) -> list[str]:
  """Removes `.NAME-staging-*` folders left by writers on this host that are no longer alive
  (or that predate owner files); returns what it removed. Other hosts' folders are kept."""
  removed = []
  prefix = f".{name}-staging-"
  try:
    entries = os.listdir(directory)
  except OSError:
    return removed
  for entry in entries:
    folder = os.path.join(directory, entry)
    if not entry.startswith(prefix) or not os.path.isdir(folder):
      continue
    owner = _owner(folder)
    if owner is not None and (owner[0] != socket.gethostname() or _alive(owner[1])):
      continue
    shutil.rmtree(folder, ignore_errors=True)
    removed.append(folder)
  return removed


def make(directory: str, name: str) -> str:
  """A fresh staging folder in `directory` that records its owner (host, pid)."""
  folder = tempfile.mkdtemp(prefix=f".{name}-staging-", dir=directory)
  with open(os.path.join(folder, OWNER_FILE), "w") as f:
    f.write(f"{socket.gethostname()} {os.getpid()}\n")
  return folder


@contextlib.contextmanager
def writer(directory: str, name: str):
  """Holds `.NAME.lock` in `directory` (a second writer of NAME is refused in one line),
  clears abandoned staging folders of NAME, and yields a staging folder removed at exit."""
  os.makedirs(directory, exist_ok=True)
  lock_path = os.path.join(directory, f".{name}.lock")
  with open(lock_path, "a+") as lock:
    try:
      fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
      if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
        raise
      raise UserError(f"another process is writing dataset {name!r} in {directory} "
                      f"({lock_path} is held); wait for it to finish, or choose another "
                      f"--name") from None
    remove_abandoned(directory, name)
    folder = make(directory, name)
    try:
      yield folder
    finally:
      shutil.rmtree(folder, ignore_errors=True)


def _exchange(a: str, b: str) -> bool:
  """Swaps paths `a` and `b` atomically; False where the system cannot."""
  try:
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = libc.renameat2
  except (OSError, AttributeError):
    return False
  result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
  if result == 0:
    return True
  code = ctypes.get_errno()
  if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
    return False   # The file system (or kernel) has no exchange.
  raise OSError(code, os.strerror(code), b)


def put_in_place(new: str, target: str, staging_folder: str) -> None:
  """Moves the complete folder `new` to `target`. An existing `target` is swapped out into
  `staging_folder` (removed with it) in one atomic step where the system allows, else in two
  renames, the old one first moved aside so it is kept until the new one is in place."""
  os.makedirs(os.path.dirname(target), exist_ok=True)
  if not os.path.exists(target):
    os.rename(new, target)
    return
  if _exchange(new, target):
    return
  aside = os.path.join(staging_folder, "replaced")
  os.rename(target, aside)
  try:
    os.rename(new, target)
  except OSError:
    os.rename(aside, target)
    raise
