"""The one exception type for mistakes a user can fix; main.py prints it as one line."""


class UserError(Exception):
  """Bad input (a config value, a missing file, a foreign checkpoint): message names the fix."""
