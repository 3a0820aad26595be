#!/usr/bin/env bash
# A JobManager kill -9 drill on the real test bed of scripts/real-cluster.sh (issue 21 part 6).
#
#   scripts/real-cluster.sh start 2 && scripts/jobmanager-drill.sh restart
#       no high availability: the JobManager is killed (kill -9) while the job trains; the drill then does what an
#       operator does: start a new JobManager, find the job's newest retained checkpoint and resubmit from it
#   HA=zookeeper scripts/real-cluster.sh start 2 && HA=zookeeper scripts/jobmanager-drill.sh standby
#       ZooKeeper high availability: a standby JobManager is started first; after the kill it takes over the job by
#       itself (job graph and checkpoints from ZooKeeper and the HA storage)
#
# Either way events are produced at a steady rate through the kill, a replica follows the updates topic, and at the end
# the drill checks: `seedflow audit` passes (steps one contiguous line, every event offset trained or dead-lettered
# exactly once, the replay of the log matching every announced snapshot), and a second replica started afterwards
# holds the same weights (SHA-256) at the same version as the one that ran through the kill. Prints the recovery time
# (kill to the first step committed after it) and exits non-zero if a check fails.
# Environment: EVENTS (12000), RATE (300 events/s), POISON_EVERY (500), KILL_AFTER_STEPS (30), as real-cluster.sh:
# RC_DIR, KAFKA_PORT, REGISTRY_PORT, REST_PORT, SEEDFLOW_JAR, HA.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RC="$REPO/scripts/real-cluster.sh"
RC_DIR=${RC_DIR:-/tmp/seedflow-real-cluster}
KAFKA_PORT=${KAFKA_PORT:-9092}
REGISTRY_PORT=${REGISTRY_PORT:-8085}
REST_PORT=${REST_PORT:-8081}
SEEDFLOW_JAR=${SEEDFLOW_JAR:-$REPO/jobs/target/seedflow.jar}
EVENTS=${EVENTS:-12000}
RATE=${RATE:-300}
POISON_EVERY=${POISON_EVERY:-500}
KILL_AFTER_STEPS=${KILL_AFTER_STEPS:-30}
mode=${1:-}
case $mode in
  restart) [[ ${HA:-none} == none ]] || { echo "restart: run it without HA (HA=${HA})" >&2; exit 2; } ;;
  standby) [[ ${HA:-none} == zookeeper ]] || { echo "standby: needs HA=zookeeper for the cluster and this drill" >&2; exit 2; } ;;
  '') awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 2 ;;
  *) echo "mode: '$mode' is not allowed; expected restart or standby" >&2; exit 2 ;;
esac

tag="drill-$mode-$(date +%s)"
kafka=(--bootstrap-servers "localhost:$KAFKA_PORT" --registry-url "http://localhost:$REGISTRY_PORT")
topics=(--events-topic "$tag-events" --updates-topic "$tag-updates" --dead-letter-topic "$tag-dead-letters")
log() { echo "drill $(date +%T): $*"; }
SEEDFLOW=(java -Xmx512m --add-modules jdk.incubator.vector -jar "$SEEDFLOW_JAR")  # run directly: $! is its pid
version() { curl -s "localhost:$1/v1/model" | sed -n 's/.*"version":\([-0-9]*\).*/\1/p'; }
weights() { curl -s "localhost:$1/v1/model" | sed -n 's/.*"weightsSha256":"\([0-9a-f]*\)".*/\1/p'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$RC" topics "$tag-events:2" "$tag-updates:1" "$tag-dead-letters:1" > /dev/null
if [[ $mode == standby ]]; then
  log "a standby JobManager"
  "$RC" jm
fi

job_args=(run "${kafka[@]}" "${topics[@]}" --consumer-group "$tag" --transactional-id-prefix "$tag"
  --snapshot-dir "file://$RC_DIR/snapshots/$tag" --snapshot-interval-steps 20 --checkpoint-interval 2s)
submit() {  # submit [flink run options...] -> prints the job id
  "$RC" flink run -d -p 2 "$@" "$SEEDFLOW_JAR" "${job_args[@]}" 2>&1 | tee -a "$RC_DIR/logs/$tag-submit.out" |
    sed -n 's/.*JobID \([0-9a-f]\{32\}\).*/\1/p' | tail -1
}
job=$(submit)
[[ -n $job ]] || { echo "the job was not submitted; see $RC_DIR/logs/$tag-submit.out" >&2; exit 1; }
log "job $job submitted (updates topic $tag-updates)"

for port in 18080 18081; do
  if (echo > "/dev/tcp/localhost/$port") 2>/dev/null; then echo "port $port is taken (a replica of an earlier drill?)" >&2; exit 1; fi
done
"${SEEDFLOW[@]}" produce "${kafka[@]}" --topic "$tag-events" --dataset fashion-mnist-train --limit "$EVENTS" --rate "$RATE" \
  --poison-every "$POISON_EVERY" --progress-interval 10 > "$RC_DIR/logs/$tag-produce.out" 2>&1 &
producer=$!; pids+=("$producer")
until [[ -s $RC_DIR/logs/$tag-produce.out ]]; do sleep 0.2; done
"${SEEDFLOW[@]}" replica "${kafka[@]}" --updates-topic "$tag-updates" --model-id fashion-mnist-mlp --port 18080 \
  --status-interval 30 > "$RC_DIR/logs/$tag-replica-1.out" 2>&1 &
pids+=($!)

until v=$(version 18080) && [[ -n $v && $v -ge $KILL_AFTER_STEPS ]]; do sleep 0.5; done
jm_pid=$(cat "$RC_DIR/pids/jobmanager-1.pid")
killed_at=$(date +%s.%N); killed_version=$(version 18080)
kill -9 "$jm_pid"
log "kill -9 of jobmanager-1 (pid $jm_pid) with the replica at version $killed_version"

if [[ $mode == restart ]]; then
  while kill -0 "$jm_pid" 2>/dev/null; do sleep 0.2; done
  "$RC" jm > /dev/null
  chk=$("$RC" newest-checkpoint "$job")
  log "new JobManager up; resubmitting from $chk"
  job=$(submit -s "$chk")
  [[ -n $job ]] || { echo "the resubmission failed; see $RC_DIR/logs/$tag-submit.out" >&2; exit 1; }
  log "job $job resubmitted"
fi
until v=$(version 18080) && [[ -n $v && $v -gt $killed_version ]]; do sleep 0.2; done
recovered_at=$(date +%s.%N)
log "first step after the kill committed: version $(version 18080), $(awk "BEGIN{printf \"%.1f\", $recovered_at - $killed_at}") s after it"

wait "$producer"
log "all $EVENTS events produced; waiting for the trainer to go quiet"
last=-1; quiet=0
while (( quiet < 20 )); do v=$(version 18080); if [[ $v == "$last" ]]; then quiet=$((quiet + 1)); else quiet=0; last=$v; fi; sleep 1; done
log "the replica at version $last"

status=0
if "${SEEDFLOW[@]}" audit "${kafka[@]}" "${topics[@]}" > "$RC_DIR/logs/$tag-audit.out" 2>&1; then
  log "audit PASSED"; else log "audit FAILED"; status=1; fi
grep -E "^(OK|WARN|FAIL) " "$RC_DIR/logs/$tag-audit.out" | cut -c1-160 || true

"${SEEDFLOW[@]}" replica "${kafka[@]}" --updates-topic "$tag-updates" --model-id fashion-mnist-mlp --port 18081 \
  --status-interval 30 > "$RC_DIR/logs/$tag-replica-2.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do [[ $(version 18081) == "$last" ]] && break; sleep 1; done
w1=$(weights 18080); w2=$(weights 18081)
if [[ -n $w1 && $w1 == "$w2" && $(version 18081) == "$last" ]]; then
  log "replicas bit-exact: both at version $last, weights $w1"
else
  log "replicas DIFFER: 18080 version $last weights $w1; 18081 version $(version 18081) weights $w2"; status=1
fi
"$RC" flink cancel "$job" > /dev/null 2>&1 || true
log "$mode drill: $([[ $status == 0 ]] && echo PASSED || echo FAILED); logs $RC_DIR/logs/$tag-*"
exit $status
