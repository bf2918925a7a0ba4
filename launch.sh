#!/usr/bin/env bash
# Runs an experiment here, as a sweep of separate runs, as a SLURM job, or on a Cloud TPU VM.
# Every form ends in the same `python -m jaxgan.main --config=... --workdir=...` line; on a
# cluster, every host runs it and jax.distributed finds the others (jaxgan/distributed.py).
set -euo pipefail

usage() {
  cat <<'EOF'
usage:
  ./launch.sh EXPERIMENT [FLAGS...]                      train here
  ./launch.sh sweep EXPERIMENT [--parallel=N] [FLAGS...]   one run per point of get_sweep()
  ./launch.sh slurm EXPERIMENT [--nodes=N] [--gpus-per-node=G] [--time=HH:MM:SS]
                    [--partition=P] [FLAGS...]           write and sbatch a job, one task per node
  ./launch.sh tpu EXPERIMENT --tpu=NAME --zone=ZONE [--project=P] [--repo-dir=DIR] [FLAGS...]
                                                         run on every worker of a TPU VM
EXPERIMENT is a name in experiments/ (dcgan_mnist) or a path to an experiment .py file.
FLAGS pass to jaxgan.main unchanged (--mode=..., --config.a.b=v, ...); --workdir=DIR replaces
the default runs/EXPERIMENT. --dry-run (anywhere) prints the commands (and the sbatch script)
instead of running them. Set PYTHON to choose the interpreter (default: python).
EOF
}

die() {
  echo "launch.sh: error: $*" >&2
  exit 2
}

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python}"

# --dry-run may come anywhere, even before the form and the experiment.
dry_run=0
args=()
for arg in "$@"; do
  case "$arg" in
    --dry-run | --dry_run) dry_run=1 ;;
    *) args+=("$arg") ;;
  esac
done
set -- ${args[@]+"${args[@]}"}

if [[ $# -eq 0 || "$1" == "-h" || "$1" == "--help" ]]; then
  usage
  [[ $# -eq 0 ]] && exit 2 || exit 0
fi

mode=local
case "$1" in
  sweep | slurm | tpu) mode="$1"; shift ;;
esac
[[ $# -gt 0 ]] || die "$mode needs an EXPERIMENT (a name in experiments/ or a .py path)"
experiment_arg="$1"
shift

# Where the experiment file is, as the command will name it (relative to the repo root,
# which every command runs from, so `from experiments import ...` in configs works).
if [[ -f "$experiment_arg" ]]; then
  config_file="$(realpath --relative-base="$REPO_DIR" "$experiment_arg")"
elif [[ "$experiment_arg" != */* && "$experiment_arg" != *.py \
        && -f "$REPO_DIR/experiments/$experiment_arg.py" ]]; then
  config_file="experiments/$experiment_arg.py"
else
  die "no experiment '$experiment_arg': give a name in experiments/ (e.g. dcgan_mnist)" \
      "or a .py file"
fi
experiment_name="$(basename "$config_file" .py)"

# A launcher flag without '=' or misspelt (--nodes 2, --node=2, --gpus_per_node=4) would
# otherwise pass to jaxgan.main and the job run with the default: refuse it here.
launcher_flag_typo() {
  local name="${1%%=*}"
  name="${name#--}"
  name="${name//_/-}"
  local wanted=""
  case "$name" in
    nodes | node | num-nodes) wanted="--nodes=N" ;;
    gpus-per-node | gpu-per-node | gpus | gpu) wanted="--gpus-per-node=G" ;;
    time | time-limit) wanted="--time=HH:MM:SS" ;;
    partition) wanted="--partition=P" ;;
    parallel | jobs) wanted="--parallel=N" ;;
    tpu | zone | project | repo-dir) wanted="--$name=..." ;;
  esac
  [[ -z "$wanted" ]] || die "$1: not a flag of ./launch.sh or jaxgan.main; write $wanted (with" \
    "'=', spelt so)"
}

# Split the launcher's own flags from those for jaxgan.main.
parallel=1 nodes=1 gpus_per_node=0 time_limit=04:00:00 partition=""
tpu_name="" zone="" project="" repo_dir="" workdir=""
main_flags=()
for arg in "$@"; do
  case "$arg" in
    --parallel=*) [[ $mode == sweep ]] || die "--parallel is for ./launch.sh sweep"
                  parallel="${arg#*=}" ;;
    --nodes=* | --gpus-per-node=* | --time=* | --partition=*)
      [[ $mode == slurm ]] || die "${arg%%=*} is for ./launch.sh slurm"
      case "$arg" in
        --nodes=*) nodes="${arg#*=}" ;;
        --gpus-per-node=*) gpus_per_node="${arg#*=}" ;;
        --time=*) time_limit="${arg#*=}" ;;
        --partition=*) partition="${arg#*=}" ;;
      esac ;;
    --tpu=* | --zone=* | --project=* | --repo-dir=*)
      [[ $mode == tpu ]] || die "${arg%%=*} is for ./launch.sh tpu"
      case "$arg" in
        --tpu=*) tpu_name="${arg#*=}" ;;
        --zone=*) zone="${arg#*=}" ;;
        --project=*) project="${arg#*=}" ;;
        --repo-dir=*) repo_dir="${arg#*=}" ;;
      esac ;;
    --workdir=*) workdir="${arg#*=}" ;;
    --workdir) die "write --workdir=DIR (with '=')" ;;
    *) launcher_flag_typo "$arg"
       main_flags+=("$arg") ;;
  esac
done
[[ -n "$workdir" ]] || workdir="runs/$experiment_name"

is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
is_count "$parallel" || die "--parallel=$parallel: must be a positive integer"
is_count "$nodes" || die "--nodes=$nodes: must be a positive integer"
[[ "$gpus_per_node" =~ ^[0-9]+$ ]] || die "--gpus-per-node=$gpus_per_node: must be 0 or more"
# SLURM's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or INFINITE/UNLIMITED.
slurm_time='^([0-9]+(:[0-9]+){0,2}|[0-9]+-[0-9]+(:[0-9]+){0,2}|INFINITE|UNLIMITED|infinite|unlimited)$'
[[ "$time_limit" =~ $slurm_time ]] || die "--time=$time_limit: not a SLURM time limit;" \
  "give minutes, HH:MM:SS or D-HH:MM:SS (e.g. --time=04:00:00)"

cd "$REPO_DIR"

# Shell-quotes words only where needed, so printed commands read as one would type them.
quote_words() {
  local word out=() squote="'" escaped="'\\''"
  for word in "$@"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then
      out+=("$word")
    else
      out+=("'${word//$squote/$escaped}'")
    fi
  done
  echo "${out[*]}"
}

# The command every form runs: the workdir first, then the flags as given.
main_command() {  # main_command WORKDIR [EXTRA FLAGS...]
  local run_dir="$1"
  shift
  quote_words "$PYTHON" -m jaxgan.main "--config=$config_file" "--workdir=$run_dir" \
    ${main_flags[@]+"${main_flags[@]}"} "$@"
}

run_or_print() {  # run_or_print COMMAND_LINE (already shell-quoted)
  if [[ $dry_run == 1 ]]; then
    echo "$1"
  else
    echo "+ $1" >&2
    eval "$1"
  fi
}

launch_local() {
  run_or_print "$(main_command "$workdir")"
}

launch_sweep() {
  local points
  "$PYTHON" -c "import jaxgan.configs" 2>/dev/null || die "$PYTHON cannot import jaxgan: \
activate its environment (. .venv/bin/activate) or set PYTHON=/path/to/python"
  points="$("$PYTHON" -m jaxgan.tools.launch_points "$config_file")" || exit 1
  local names=() commands=() line point
  while IFS= read -r line; do
    eval "point=($line)"  # launch_points quotes each word (shlex.join).
    names+=("${point[0]}")
    commands+=("$(main_command "$workdir/sweep/${point[0]}" "${point[@]:1}")")
  done <<< "$points"
  if [[ $dry_run == 1 ]]; then
    printf '%s\n' "${commands[@]}"
    return
  fi
  echo "launch.sh: ${#commands[@]} runs of $config_file, $parallel at a time, in $workdir/sweep" >&2
  # N at a time: start jobs until N run, then wait for any one to finish (`wait -n`).
  local failed=0 running=0 index
  for index in "${!commands[@]}"; do
    if [[ $parallel == 1 ]]; then
      run_or_print "${commands[$index]}" || failed=$((failed + 1))
      continue
    fi
    local log="$workdir/sweep/${names[$index]}/launch.log"
    mkdir -p "$(dirname "$log")"
    echo "+ ${commands[$index]} > $log" >&2
    (eval "${commands[$index]}") > "$log" 2>&1 &
    running=$((running + 1))
    if (( running >= parallel )); then
      wait -n || failed=$((failed + 1))
      running=$((running - 1))
    fi
  done
  while (( running > 0 )); do
    wait -n || failed=$((failed + 1))
    running=$((running - 1))
  done
  (( failed == 0 )) || die "$failed of ${#commands[@]} sweep runs failed (see their launch.log)"
}

launch_slurm() {
  local script_path
  script_path="$workdir/slurm_$(date +%Y%m%d_%H%M%S).sbatch"
  local lines=(
    "#!/bin/bash"
    "#SBATCH --job-name=jaxgan-$experiment_name"
    "#SBATCH --nodes=$nodes"
    "#SBATCH --ntasks-per-node=1"
    "#SBATCH --time=$time_limit"
    "#SBATCH --output=$workdir/slurm-%j.out"
  )
  [[ -z "$partition" ]] || lines+=("#SBATCH --partition=$partition")
  (( gpus_per_node == 0 )) || lines+=("#SBATCH --gpus-per-node=$gpus_per_node")
  lines+=(
    "set -euo pipefail"
    "cd $(quote_words "$REPO_DIR")"
    "if [[ -f .venv/bin/activate ]]; then source .venv/bin/activate; fi"
    "export PYTHONUNBUFFERED=1"
  )
  if (( gpus_per_node > 0 )); then
    # JAX's SLURM detection gives a task the one GPU at SLURM_LOCALID; one task per node
    # should drive all of them.
    lines+=("export JAX_LOCAL_DEVICE_IDS=$(seq -s, 0 $((gpus_per_node - 1)))")
  fi
  lines+=(
    "# One process per node; jax.distributed.initialize() reads SLURM_JOB_ID, SLURM_NTASKS,"
    "# SLURM_PROCID and SLURM_STEP_NODELIST itself (--distributed=auto): node 0 coordinates."
    "srun --nodes=$nodes --ntasks-per-node=1 $(main_command "$workdir")"
  )
  local script
  script="$(printf '%s\n' "${lines[@]}")"
  if [[ $dry_run == 1 ]]; then
    echo "# $script_path"
    echo "$script"
    echo "sbatch $(quote_words "$script_path")"
    return
  fi
  command -v sbatch > /dev/null || die "sbatch not found: run ./launch.sh slurm on a login node"
  mkdir -p "$workdir"
  echo "$script" > "$script_path"
  echo "launch.sh: wrote $script_path" >&2
  run_or_print "sbatch $(quote_words "$script_path")"
}

launch_tpu() {
  [[ -n "$tpu_name" && -n "$zone" ]] || die "tpu needs --tpu=NAME and --zone=ZONE"
  # Where the repository is on the workers (each must have it, and the same data); the
  # default is this checkout's path, as when the workers share its disk layout.
  local remote_dir="${repo_dir:-$REPO_DIR}"
  local remote_command
  local remote_cd
  if [[ "$remote_dir" == "~/"* ]]; then  # Keep ~/ unquoted so the worker's shell expands it.
    remote_cd="~/$(quote_words "${remote_dir#\~/}")"
  else
    remote_cd="$(quote_words "$remote_dir")"
  fi
  remote_command="cd $remote_cd && $(main_command "$workdir")"
  local gcloud=(gcloud compute tpus tpu-vm ssh "$tpu_name" "--zone=$zone")
  [[ -z "$project" ]] || gcloud+=("--project=$project")
  gcloud+=(--worker=all "--command=$remote_command")
  if [[ $dry_run == 0 ]]; then
    command -v gcloud > /dev/null || die "gcloud not found: install the Google Cloud SDK"
  fi
  run_or_print "$(quote_words "${gcloud[@]}")"
}

"launch_$mode"
