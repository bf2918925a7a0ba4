#!/usr/bin/env bash
# Runs every fault and mistake of issue 17 and prints a markdown table: what was run, its exit
# status and the line it printed. Run from the repository root with the venv active:
#   bash benchmarks/issue17_cases.sh [SCRATCH_DIR]
# Root is needed for the full-disk case (a 16 MB tmpfs); without it that row says so.
set -uo pipefail

scratch="${1:-/tmp/jaxgan_issue17}"
rm -rf "$scratch"
mkdir -p "$scratch"
main=(python -m jaxgan.main --config=experiments/tiny.py)
rows=()

# The line a case is judged by: jaxgan's error, else launch.sh's, else jaxgan's warnings.
line_of() {
  local text
  text="$(tr '\r' '\n' < "$1")"
  grep -m1 -o 'jaxgan: error: .*' <<< "$text" && return
  grep -m1 -o 'launch.sh: error: .*' <<< "$text" && return
  grep -o '\(train\|workdir\|checkpoint\)\.py:[0-9]*\] .*' <<< "$text" | sed 's/^[^]]*\] //' \
    | grep -v '^Starting\|^Resuming' | paste -sd'|' | sed 's/|/ <br> /g'
}

row() {  # row CASE OUTPUT_FILE EXIT COMMAND...
  local case="$1" out="$2" code="$3"
  shift 3
  local lines
  lines="$(tr '\r' '\n' < "$out" | grep -c 'jaxgan: error:\|launch.sh: error:')"
  rows+=("| $case | \`$*\` | $code | $(line_of "$out" | sed 's/|/\\|/g') | $lines |")
}

run() {  # run CASE COMMAND...
  local case="$1"
  shift
  local out="$scratch/out_${#rows[@]}.txt"
  "$@" > "$out" 2>&1
  row "$case" "$out" "$?" "$@"
}

w="$scratch/run"
run "train tiny (6 steps, checkpoints 3 and 6)" "${main[@]}" --workdir="$w"

# 1. Two processes on one workdir.
live="$scratch/live"
"${main[@]}" --workdir="$live" --config.num_steps=100000 --config.log_every=1 \
  --config.checkpoint_every=100000 --config.sample_every=100000 > "$scratch/live.txt" 2>&1 &
live_pid=$!
until [[ -s "$live/metrics.jsonl" ]] || ! kill -0 $live_pid 2>/dev/null; do sleep 1; done
run "second process on a live workdir (first: pid $live_pid)" "${main[@]}" --workdir="$live"
kill -9 $live_pid
wait $live_pid 2>/dev/null
run "after the first was SIGKILLed: takes over" "${main[@]}" --workdir="$live" \
  --config.num_steps=2 --config.log_every=1 --config.checkpoint_every=1 --config.sample_every=100000
both="$scratch/both"
"${main[@]}" --workdir="$both" --config.checkpoint_every=1 --config.num_steps=4 \
  > "$scratch/both_a.txt" 2>&1 &
a=$!
"${main[@]}" --workdir="$both" --config.checkpoint_every=1 --config.num_steps=4 \
  > "$scratch/both_b.txt" 2>&1 &
b=$!
wait $a; code_a=$?
wait $b; code_b=$?
row "two started at the same moment, checkpoint_every=1 (A, pid $a)" "$scratch/both_a.txt" \
  $code_a "${main[@]}" --workdir="$both" --config.checkpoint_every=1 --config.num_steps=4
row "... (B, pid $b); tmp folders left: $(find "$both" -name '*orbax-checkpoint-tmp*' | wc -l),\
 metrics rows: $(wc -l < "$both/metrics.jsonl")" "$scratch/both_b.txt" $code_b \
  "${main[@]}" --workdir="$both" --config.checkpoint_every=1 --config.num_steps=4

# 2. Resume with changed fields; a finished run.
for flag in --config.batch_size=16 --config.optim.n_dis=5 --config.seed=1 \
            --config.data.name=mnist --config.model.latent_dim=32; do
  run "resume with $flag" "${main[@]}" --workdir="$w" --config.num_steps=12 "$flag"
done
run "resume with num_steps below the checkpoint" "${main[@]}" --workdir="$w" --config.num_steps=3
run "resume a finished run" "${main[@]}" --workdir="$w"

# 3. A full disk.
small="$scratch/small"
mkdir -p "$small"
if mount -t tmpfs -o size=16m tmpfs "$small" 2>/dev/null; then
  run "16 MB tmpfs workdir, checkpoint_every=1" "${main[@]}" --workdir="$small/w" \
    --config.checkpoint_every=1
  rows+=("| ... left behind | \`ls $small/w/checkpoints\` | | $(ls "$small/w/checkpoints" | paste -sd' '); metrics rows: $(wc -l < "$small/w/metrics.jsonl") | |")
  umount -l "$small"
else
  rows+=("| 16 MB tmpfs workdir | (mount not allowed here) | | skipped | |")
fi

# 4. Bit-rot and truncation in the latest checkpoint.
rot="$scratch/rot"
cp -r "$w" "$rot"
array_file="$(find "$rot/checkpoints/6/state" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)"
head -c 4096 /dev/urandom | dd of="$array_file" bs=4096 seek=1 conv=notrunc status=none
run "4 KiB overwritten in checkpoint 6's array file" "${main[@]}" --workdir="$rot" --config.num_steps=8
run "the documented fallback" "${main[@]}" --workdir="$rot" --config.num_steps=8 --resume_step=3
cut="$scratch/cut"
cp -r "$w" "$cut"
array_file="$(find "$cut/checkpoints/6/state" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)"
truncate -s 1M "$array_file"
run "checkpoint 6's array file truncated to 1 MB" "${main[@]}" --workdir="$cut" --config.num_steps=8
rm "$cut/checkpoints/6/jaxgan_sha256.json"
run "... and its checksum file deleted too" "${main[@]}" --workdir="$cut" --config.num_steps=8

# 5. Tracebacks that are now one line.
printf 'def get_config(:\n  pass\n' > "$scratch/broken.py"
run "config file that does not exist" python -m jaxgan.main --config=experiments/nope.py --workdir="$scratch/x"
run "config file with a syntax error" python -m jaxgan.main --config="$scratch/broken.py" --workdir="$scratch/x"
run "unknown field" "${main[@]}" --workdir="$scratch/x" --config.batch_sise=8
run "wrong type" "${main[@]}" --workdir="$scratch/x" --config.batch_size=eight
run "workdir under a file" "${main[@]}" --workdir=/etc/passwd/x
run "SLURM time limit" ./launch.sh slurm tiny --time=banana --dry-run
run "a dataset name that does not exist" "${main[@]}" --workdir="$scratch/x" --config.data.name=nosuchdata
echo x > "$scratch/a_file"
JAXGAN_DATA_DIR="$scratch/a_file" run "JAXGAN_DATA_DIR is a file" "${main[@]}" --workdir="$scratch/x"
mkdir -p "$scratch/read_only" && chmod 555 "$scratch/read_only"
JAXGAN_DATA_DIR="$scratch/read_only" run "JAXGAN_DATA_DIR is read-only ($( [[ -w $scratch/read_only ]] && echo 'writable anyway: root' || echo 'not writable'))" \
  "${main[@]}" --workdir="$scratch/x"
chmod 755 "$scratch/read_only"
prepared="${JAXGAN_DATA_DIR:-$HOME/.cache/jaxgan/tensorflow_datasets}"
mkdir -p "$scratch/corrupt_data"
cp -r "$prepared/shipped_mnist" "$scratch/corrupt_data/"
for shard in "$scratch"/corrupt_data/shipped_mnist/*/*train.array_record*; do
  printf '\xff%.0s' $(seq 4096) | dd of="$shard" bs=1 seek=100 conv=notrunc status=none
done
JAXGAN_DATA_DIR="$scratch/corrupt_data" run "a corrupt prepared dataset (4 KiB overwritten in each train shard)" \
  "${main[@]}" --workdir="$scratch/corrupt_run"

# 6. Smaller ones.
kill_dir="$scratch/killed"
"${main[@]}" --workdir="$kill_dir" --config.num_steps=100000 --config.log_every=1 \
  --config.checkpoint_every=50 --config.sample_every=100000 > "$scratch/killed.txt" 2>&1 &
pid=$!
until [[ -f "$kill_dir/metrics.jsonl" && $(wc -l < "$kill_dir/metrics.jsonl") -ge 60 ]] \
  || ! kill -0 $pid 2>/dev/null; do sleep 1; done
kill -9 $pid
wait $pid 2>/dev/null
before="$(wc -l < "$kill_dir/metrics.jsonl")"
run "SIGKILL at step $before (checkpoint 50), resume to 80" "${main[@]}" --workdir="$kill_dir" \
  --config.num_steps=80 --config.log_every=1 --config.checkpoint_every=50 --config.sample_every=100000
rows+=("| ... metrics.jsonl | \`python -c '...'\` | | $(python -c "
import json, sys
steps = [json.loads(l)['step'] for l in open(sys.argv[1])]
print(f'{len(steps)} rows, {len(set(steps))} distinct steps, {min(steps)}..{max(steps)}')" "$kill_dir/metrics.jsonl") | |")
run "Adam at lr 1e4" "${main[@]}" --workdir="$scratch/adam" --config.optim.g_lr=1e4 \
  --config.optim.d_lr=1e4 --config.log_every=1 --config.num_steps=8
run "--mode=eval on a mistyped workdir" "${main[@]}" --workdir="$scratch/typo" --mode=eval
run "--mode=sample on a mistyped workdir (exists after: $( [[ -e $scratch/typo ]] && echo yes || echo no))" \
  "${main[@]}" --workdir="$scratch/typo" --mode=sample

echo "| case | command | exit | line printed | error lines |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}" | sed "s#$scratch#S#g"
