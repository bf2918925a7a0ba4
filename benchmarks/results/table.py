"""The results tables, made from benchmarks/results/*.json: docs/results.md and README's table.

  python -m benchmarks.results.table            # rewrite both
  python -m benchmarks.results.table --check    # exit 1 if either differs from what it makes

Every JSON file in this folder is one result (row.py writes them). Besides what row.py
records (name, seeds, step, train_wall_s, eval_wall_s, wall_s, command, metrics), a file may
carry fields that say how to show it; all are optional:

  title      the row's label (default: the file name)
  group      the section of docs/results.md it belongs to (default: "Other")
  order      its place in the group (default 100; then the file name)
  headline   metric keys for the headline column (default: chosen from the metrics present)
  floor      the file name (no .json) of the result that is its floor: real data scored the
             same way; its metric of the same name stands beside the headline
  role       "floor" for such a file: listed in docs/results.md, not in the README's table
  readme     false keeps a row out of the README's table (docs/results.md still lists it)
  machine, date, image, transcribed, notes (a list of markdown lines shown under the result)

  baseline   for results that carry their own trivial baseline (image-to-image, continuation):
             the variant that is the baseline; metric "NAME/<baseline>" then stands beside
             "NAME/ema", "NAME/raw" and "NAME/output" as their floor
"""

import argparse
import glob
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS_DIR = os.path.join("benchmarks", "results")
DOC = os.path.join("docs", "results.md")
README = "README.md"
BEGIN = "<!-- results table: made by python -m benchmarks.results.table; do not edit -->"
END = "<!-- end of results table -->"
MAX_README_LINE = 120
GROUP_ORDER = ["MNIST", "VAE and classifier", "Mode collapse: 2-D mixtures", "Stacked MNIST",
               "Image-to-image", "Sequence GAN", "Floors"]
HEADLINE_ORDER = ["fid", "is", "modes_covered", "high_quality", "kl_to_uniform", "neg_elbo",
                  "iw_nll", "accuracy", "psnr", "label_accuracy", "fvd", "ssim"]
SHORT_NAMES = {"modes_covered": "modes", "high_quality": "quality", "kl_to_uniform": "KL",
               "label_accuracy": "labels", "test_neg_elbo_nats": "-ELBO",
               "test_iw_nll_nats": "NLL", "test_accuracy": "accuracy"}
GENERATORS = ("ema", "raw", "output", "")
VARIANTS = ("ema", "raw", "output")


def load(repo: str = REPO) -> list[dict]:
  """Every result JSON, each with its file name as `file`, in table order."""
  results = []
  for path in sorted(glob.glob(os.path.join(repo, RESULTS_DIR, "*.json"))):
    with open(path) as f:
      result = json.load(f)
    if "metrics" not in result:   # Another benchmark's record (time_to_quality_*.json).
      continue
    result["file"] = os.path.splitext(os.path.basename(path))[0]
    results.append(result)
  return sorted(results, key=_sort_key)


def _sort_key(result):
  group = result.get("group", "Other")
  rank = GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER)
  return rank, group, result.get("order", 100), result["file"]


def _base(key: str) -> str:
  """`fid[lenet-mnist]/ema` -> `fid[lenet-mnist]`."""
  head, _, tail = key.rpartition("/")
  return head if head and tail in VARIANTS else key


def _short(key: str) -> str:
  """`fid[lenet-mnist]/ema` -> `fid`, `fid[lenet-mnist]/raw` -> `fid raw`."""
  name = _base(key).split("[")[0]
  prefix, _, name = name.rpartition("/")
  name = (prefix + " " if prefix else "") + SHORT_NAMES.get(name, name)
  return name + " raw" if key.endswith("/raw") else name


def headline_keys(result: dict) -> list[str]:
  if "headline" in result:
    return list(result["headline"])
  metrics = result.get("metrics", {})
  keys = []
  for name in HEADLINE_ORDER:
    bases = sorted({_base(k) for k in metrics if _base(k).split("[")[0] == name})
    for base in bases[:1]:
      present = [f"{base}/{g}" if g else base for g in GENERATORS]
      keys += [k for k in present if k in metrics][:1]
    if len(keys) == 2:
      break
  return keys


def fmt(value: float, digits: int = 3) -> str:
  if value == int(value) and abs(value) >= 1:
    return f"{int(value):,}"
  if abs(value) >= 100:
    return f"{value:,.{max(digits - 3, 0)}f}"
  if abs(value) >= 10 ** digits:   # Fewer digits than the integer part: no exponent.
    return f"{round(value):,}"
  return f"{value:.{digits}g}"


def fmt_metric(entry: dict, digits: int = 3, std_digits: int = 1) -> str:
  text = fmt(entry["mean"], digits)
  if len(entry.get("values", [])) > 1 and entry["std"]:
    text += " ± " + fmt(entry["std"], std_digits)
  return text


def fmt_duration(seconds: float) -> str:
  if seconds < 120:
    return f"{seconds:.0f} s"
  if seconds < 2 * 3600:
    return f"{seconds / 60:.0f} min"
  return f"{seconds / 3600:.1f} h"


def wall_seconds(result: dict) -> float | None:
  if "wall_s" in result:
    return result["wall_s"]
  train = result.get("train_wall_s", result.get("train_wall_s_to_step"))
  if train is None:
    return None
  return train + result.get("eval_wall_s", 0.0)


def floor_value(result: dict, key: str, by_file: dict) -> float | None:
  metrics = result.get("metrics", {})
  baseline = f"{_base(key)}/{result.get('baseline')}"
  if baseline in metrics:
    return metrics[baseline]["mean"]
  floor = by_file.get(result.get("floor", ""), {}).get("metrics", {})
  for candidate in (_base(key), key):
    if candidate in floor:
      return floor[candidate]["mean"]
  return None


def headline(result: dict, by_file: dict) -> str:
  parts = []
  for key in headline_keys(result):
    entry = result.get("metrics", {}).get(key)
    if entry is None:
      raise SystemExit(f"{result['file']}.json: headline metric {key!r} is not among its "
                       "metrics; fix its `headline` list")
    text = f"{_short(key)} {fmt_metric(entry)}"
    floor = floor_value(result, key, by_file)
    if floor is not None:
      text += f" ({fmt(floor)})"
    parts.append(text)
  return "; ".join(parts) or "—"


def machines(results: list[dict]) -> dict[str, str]:
  """machine description -> its letter, in order of first appearance."""
  letters = {}
  for result in results:
    machine = result.get("machine")
    if machine and machine not in letters:
      letters[machine] = chr(ord("A") + len(letters))
  return letters


def _wall_cell(result: dict, letters: dict) -> str:
  seconds = wall_seconds(result)
  text = fmt_duration(seconds) if seconds is not None else "—"
  if result.get("machine") and len(letters) > 1:
    text += f" {letters[result['machine']]}"
  return text


def _steps_cell(result: dict) -> str:
  steps = f"{result['step']:,}" if "step" in result else "—"
  return f"{steps}×{result.get('seeds', 1)}"


def image_path(result: dict, repo: str = REPO) -> str | None:
  if "image" in result:
    return result["image"]
  path = os.path.join("docs", "results", result["file"] + ".png")
  return path if os.path.exists(os.path.join(repo, path)) else None


def readme_table(results: list[dict], repo: str = REPO) -> str:
  by_file = {r["file"]: r for r in results}
  rows = [r for r in results if r.get("role") != "floor" and r.get("readme", True)]
  letters = machines(rows)
  lines = ["| result (its JSON) | steps×seeds | wall time | headline, EMA G unless raw (floor) | picture |",
           "| --- | --- | --- | --- | --- |"]
  links = []
  for i, result in enumerate(rows, 1):
    links.append(f"[r{i}]: {RESULTS_DIR}/{result['file']}.json")
    picture = image_path(result, repo)
    if picture:
      links.append(f"[p{i}]: {picture}")
    lines.append(f"| [{result.get('title', result['file'])}][r{i}] | {_steps_cell(result)} | "
                 f"{_wall_cell(result, letters)} | {headline(result, by_file)} | "
                 f"{f'[png][p{i}]' if picture else ''} |")
  lines.append("")
  if len(letters) == 1:
    lines.append(f"Wall times on {next(iter(letters))}.")
  else:
    lines += [f"{letter}: {machine}." for machine, letter in letters.items()]
  lines.append("")
  lines += links
  too_long = [line for line in lines if len(line) > MAX_README_LINE]
  if too_long:
    raise SystemExit(f"results table line over {MAX_README_LINE} characters: {too_long[0]!r}; "
                     "give that result a shorter `title` or fewer `headline` metrics")
  return "\n".join(lines)


def _metrics_table(result: dict) -> list[str]:
  metrics = result.get("metrics", {})
  keys = [k for k in sorted(metrics) if "/class_" not in k]
  if not keys:
    return []
  lines = ["| metric | mean ± std | per seed |", "| --- | --- | --- |"]
  for key in keys:
    entry = metrics[key]
    seeds = ", ".join(fmt(v, 4) for v in entry.get("values", []))
    lines.append(f"| `{key}` | {fmt_metric(entry, 4, 2)} | {seeds} |")
  return lines


def result_section(result: dict, by_file: dict, repo: str = REPO) -> list[str]:
  name = result["file"]
  lines = [f'<a id="{name}"></a>', f"### {result.get('title', name)}", ""]
  facts = [f"{_steps_cell(result)} (steps×seeds)"]
  seconds = wall_seconds(result)
  if seconds is not None:
    facts.append(f"wall time {fmt_duration(seconds)}")
  facts += [result[k] for k in ("machine", "date") if result.get(k)]
  lines.append("; ".join(facts) + f". Record: [`{RESULTS_DIR}/{name}.json`](../{RESULTS_DIR}/"
               f"{name}.json).")
  if result.get("transcribed"):
    lines += ["", f"Transcribed: {result['transcribed']}."]
  if result.get("floor"):
    lines += ["", f"Floor: [{by_file.get(result['floor'], {}).get('title', result['floor'])}]"
                  f"(#{result['floor']})."]
  if result.get("command"):
    lines += ["", "```bash", result["command"], "```"]
  table = _metrics_table(result)
  if table:
    lines += [""] + table
  picture = image_path(result, repo)
  if picture:
    lines += ["", f"![{name}](../{picture})"]
  if result.get("notes"):
    lines += [""] + list(result["notes"])
  return lines + [""]


def results_doc(results: list[dict], repo: str = REPO) -> str:
  by_file = {r["file"]: r for r in results}
  lines = ["# Results", "",
           "Made by `python -m benchmarks.results.table` from `benchmarks/results/*.json`; "
           "do not edit by hand.",
           "Each result is one JSON file written by the command it shows (`benchmarks/results/"
           "row.py` for most);",
           "a row marked *transcribed* carries the figures an earlier README gave, with its "
           "command, machine and date.",
           "The README's table is the headline rows of this page.", ""]
  group = None
  for result in results:
    if result.get("group", "Other") != group:
      group = result.get("group", "Other")
      lines += [f"## {group}", ""]
    lines += result_section(result, by_file, repo)
  return "\n".join(lines).rstrip("\n") + "\n"


def readme_with_table(readme: str, table: str) -> str:
  if BEGIN not in readme or END not in readme:
    raise SystemExit(f"{README} lacks the marker lines {BEGIN!r} and {END!r}; put them where "
                     "the results table goes")
  head, rest = readme.split(BEGIN, 1)
  _, tail = rest.split(END, 1)
  return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def generate(repo: str = REPO) -> dict[str, str]:
  """{path relative to repo: the text it should hold}."""
  results = load(repo)
  with open(os.path.join(repo, README)) as f:
    readme = f.read()
  return {DOC: results_doc(results, repo),
          README: readme_with_table(readme, readme_table(results, repo))}


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if a file differs from what it would write")
  args = parser.parse_args(argv)
  stale = []
  for path, text in generate().items():
    full = os.path.join(REPO, path)
    current = open(full).read() if os.path.exists(full) else None
    if current == text:
      continue
    stale.append(path)
    if not args.check:
      with open(full, "w") as f:
        f.write(text)
  if args.check and stale:
    print(f"out of date: {', '.join(stale)}; run python -m benchmarks.results.table",
          file=sys.stderr)
    return 1
  print(("stale: " if args.check else "wrote: ") + (", ".join(stale) or "nothing to change"))
  return 0


if __name__ == "__main__":
  sys.exit(main())
