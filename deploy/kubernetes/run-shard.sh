#!/bin/sh
# One pod of the stadscan Indexed Job (job.yaml, cronjob.yaml).
#
# Every pod scans slice $JOB_COMPLETION_INDEX of $SHARDS of the scope and
# leaves shard-K.sarif, shard-K.json and shard-K.rc (its exit code) in
# /data/runs/$RUN_ID. Pod 0 then waits until every shard has finished and
# merges them into city.sarif and city.json, which it also copies to
# /data/latest/. Waiting on the shared volume needs no Kubernetes API access
# (no ServiceAccount token, no Role); a shard that never finishes makes pod 0
# give up after $MERGE_WAIT_SECONDS without merging, leaving the shards'
# files for a manual `stadscan merge`.
set -u

k="${JOB_COMPLETION_INDEX:?not started by an Indexed Job}"
n="${SHARDS:?set SHARDS to the completions of the Job}"
# The mount points (changed only to try the script outside a cluster).
conf="${STADSCAN_CONF:-/etc/stadscan}"
data="${STADSCAN_DATA:-/data}"
run="$data/runs/${RUN_ID:?set RUN_ID (the Job name)}"
wait_max="${MERGE_WAIT_SECONDS:-14400}"
mkdir -p "$run" "$data/history" "$data/latest" || exit 2
# A retried pod starts over: its shard is not done until it says so again.
rm -f "$run/shard-$k.rc"

# The history of a shard is its own file: one writer per SQLite file, and a
# shard always holds the same addresses while SHARDS stays the same.
# STADSCAN_ARGS: extra options (`--baseline etsi`, `--kev /etc/stadscan/kev.json`).
# shellcheck disable=SC2086
stadscan scan \
  --scope "$conf/scope.toml" --source-root "$conf" \
  --shard "$k/$n" \
  --sarif "$run/shard-$k.sarif" --json "$run/shard-$k.json" \
  --history "$data/history/shard-$k-of-$n.sqlite" \
  ${STADSCAN_ARGS:-} &
pid=$!
# This shell is the container's first process: pass SIGTERM (pod deletion,
# the Job's deadline) on, so stadscan writes its partial results.
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"
rc=$?
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  rc=$?
done
echo "$rc" > "$run/.shard-$k.rc" && mv "$run/.shard-$k.rc" "$run/shard-$k.rc"
case "$rc" in
  0|1) ;;  # done; 1 = findings at or above --fail-on, not a failure here
  *) echo "shard $k/$n: stadscan exited $rc" >&2; exit "$rc" ;;
esac
[ "$k" = 0 ] || exit 0

# Pod 0: wait for every shard (0 or 1 in its .rc file), then merge.
deadline=$(( $(date +%s) + wait_max ))
while :; do
  pending=""
  i=0
  while [ "$i" -lt "$n" ]; do
    case "$(cat "$run/shard-$i.rc" 2>/dev/null)" in
      0|1) ;;
      *) pending="$pending $i" ;;
    esac
    i=$((i + 1))
  done
  [ -z "$pending" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "shards$pending of $n did not finish within ${wait_max}s: not merged" \
         "(their files stay in $run)" >&2
    exit 3
  fi
  sleep 10
done

sarifs=""
jsons=""
i=0
while [ "$i" -lt "$n" ]; do
  sarifs="$sarifs $run/shard-$i.sarif"
  jsons="$jsons $run/shard-$i.json"
  i=$((i + 1))
done
# shellcheck disable=SC2086
stadscan merge -o "$run/city.sarif" $sarifs || exit 2
# shellcheck disable=SC2086
stadscan merge -o "$run/city.json" $jsons || exit 2
for f in city.sarif city.json; do
  cp "$run/$f" "$data/latest/.$f" && mv "$data/latest/.$f" "$data/latest/$f" || exit 2
done
echo "merged $n shards: $run/city.sarif, $run/city.json (also in $data/latest/)"
# Keep two weeks of nightly runs.
find "$data/runs" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} + 2>/dev/null
exit 0
