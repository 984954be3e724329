#!/usr/bin/env bash
# A sweep as a Slurm job array: each array task runs one share of the points (--shard I/N),
# into its own results file; a last job, started when every task is done, merges them.
#
#   sbatch --array=0-15 sweeps/slurm-array.sh sweeps/decode-1000.cfg decode   # 0-based: shard I of 16
#   sbatch --dependency=afterok:JOBID --wrap 'build/simsweep merge decode.csv decode-part-*.csv'
#
# A task that is killed (time limit, preemption) loses nothing it finished: resubmit the
# same array (or only its failed tasks) and each task goes on where it stopped. The folders
# PART.csv.d (reports, traces) must be on a file system every node sees.
#SBATCH --job-name=simsweep
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
#SBATCH --output=simsweep-%A_%a.log
set -euo pipefail
sweep=${1:?usage: sbatch --array=0-N slurm-array.sh SWEEP.cfg NAME}
name=${2:?usage: sbatch --array=0-N slurm-array.sh SWEEP.cfg NAME}
: "${SLURM_ARRAY_TASK_ID:?run under sbatch --array}"
: "${SLURM_ARRAY_TASK_COUNT:?run under sbatch --array}"
# simsweep beside this script's build, or on PATH (an installed nmsim).
simsweep=${SIMSWEEP:-$(command -v simsweep || echo build/simsweep)}
"$simsweep" "$sweep" -o "$name-part-$SLURM_ARRAY_TASK_ID.csv" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" -j "${SLURM_CPUS_PER_TASK:-1}"
