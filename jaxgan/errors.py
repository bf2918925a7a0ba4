"""The one exception type for mistakes a user can fix (main.py prints it as one line), and
the one-line config checks that raise it."""


class UserError(Exception):
  """Bad input (a config value, a missing file, a foreign checkpoint): message names the fix."""


def require(condition: bool, field: str, value, why: str) -> None:
  """Raises the one-line UserError `config.FIELD=VALUE: WHY` unless `condition` holds."""
  if not condition:
    raise UserError(f"config.{field}={value!r}: {why}")


def one_of(field: str, value, choices) -> None:
  require(value in choices, field, value, f"must be one of {sorted(choices)}")


def one_line(message: str) -> str:
  """`message` as one printable line: newlines and other control characters (from a file
  name, say) escaped, bytes that are not UTF-8 shown as \\xNN instead of failing to print."""
  text = message.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
  return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)
