#!/usr/bin/env bash
# A real multi-process test bed for seedflow.jar, without flink-dist or Docker:
#   - one Kafka broker process (kafka.Kafka, KRaft, single node) on localhost:$KAFKA_PORT
#   - the schema registry process (`seedflow registry`) on localhost:$REGISTRY_PORT
#   - a Flink standalone session cluster: a JobManager (StandaloneSessionClusterEntrypoint, REST on :$REST_PORT)
#     and TaskManager processes (TaskManagerRunner, $SLOTS slots each); checkpoints retained on cancellation
#   - with HA=zookeeper: a ZooKeeper server (ZooKeeperServerMain, :$ZK_PORT) and ZooKeeper high availability, so that
#     a standby JobManager (`jm`) takes over the jobs of a JobManager that dies
# assembled from the Flink 2.1.1 / Kafka 4.2.0 / ZooKeeper 3.8.4 jars in ~/.m2 (resolved by a throwaway pom; -o first).
#
# Usage (from the repository root, after `mvn package -DskipTests`):
#   scripts/real-cluster.sh start [N_TM]   # broker, registry, JobManager, N_TM TaskManagers (default 2)
#   scripts/real-cluster.sh tm             # one more TaskManager (e.g. after kill -9 of one)
#   scripts/real-cluster.sh jm             # one more JobManager: the replacement of a dead one (same ports), or with
#                                          # HA=zookeeper a standby (REST on the next free port from $REST_PORT)
#   scripts/real-cluster.sh newest-checkpoint JOB_ID  # the newest retained chk-N of a job (for flink run -s)
#   scripts/real-cluster.sh flink ARGS...  # the Flink CLI (CliFrontend), e.g. flink run -p 2 jobs/target/seedflow.jar run ...
#   scripts/real-cluster.sh topics NAME:PARTITIONS...  # create topics (replication 1) with Kafka's AdminClient
#   scripts/real-cluster.sh kafka CLASS|FILE.java ARGS...  # a class (or a single-file Java program) on the broker's classpath
#   scripts/real-cluster.sh status | stop  # ps of what this script started | kill it (pid files in $RC_DIR/pids)
# Environment: RC_DIR (state, logs, configs; default /tmp/seedflow-real-cluster), KAFKA_PORT (9092),
#   REGISTRY_PORT (8085), REST_PORT (8081), SLOTS (2), TM_PROCESS (2300m), JM_PROCESS (1600m), SEEDFLOW_JAR,
#   HA (none|zookeeper; give the same value to every command), ZK_PORT (2181).
# scripts/jobmanager-drill.sh runs a JobManager kill -9 drill on this test bed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
RC_DIR=${RC_DIR:-/tmp/seedflow-real-cluster}
KAFKA_PORT=${KAFKA_PORT:-9092}
REGISTRY_PORT=${REGISTRY_PORT:-8085}
REST_PORT=${REST_PORT:-8081}
SLOTS=${SLOTS:-2}
TM_PROCESS=${TM_PROCESS:-2300m}   # Flink's total process memory: heap ~1.5 GB of it
JM_PROCESS=${JM_PROCESS:-1600m}   # heap ~1 GB
SEEDFLOW_JAR=${SEEDFLOW_JAR:-$REPO/jobs/target/seedflow.jar}
HA=${HA:-none}
ZK_PORT=${ZK_PORT:-2181}
[[ $HA == none || $HA == zookeeper ]] || { echo "HA: '$HA' is not allowed; expected none or zookeeper" >&2; exit 2; }
mkdir -p "$RC_DIR"/{pids,logs,conf,kafka-data,registry,checkpoints,savepoints,snapshots,ha,zk-data}

# Flink's own JVM options for Java 17 (its default config.yaml's env.java.default-opts.all).
OPENS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
 --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
 --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

# --- classpaths: resolved once into $RC_DIR/{flink,kafka}.cp -------------------------------------------------
classpaths() {
  [[ -s $RC_DIR/flink.cp && -s $RC_DIR/kafka.cp && -s $RC_DIR/zk.cp ]] && return
  local d=$RC_DIR/cp; mkdir -p "$d"
  local log4j='<dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>'
  local f; for f in flink kafka zk; do
    local deps
    if [[ $f == zk ]]; then
      # the server also needs the metrics and snappy libraries that the client declares "provided"
      deps='<dependency><groupId>org.apache.zookeeper</groupId><artifactId>zookeeper</artifactId><version>3.8.4</version></dependency>
    <dependency><groupId>io.dropwizard.metrics</groupId><artifactId>metrics-core</artifactId><version>4.1.12.1</version></dependency>
    <dependency><groupId>org.xerial.snappy</groupId><artifactId>snappy-java</artifactId><version>1.1.10.5</version></dependency>'
    elif [[ $f == flink ]]; then
      deps=$(for a in flink-runtime flink-streaming-java flink-clients flink-runtime-web flink-rpc-akka-loader; do
        echo "<dependency><groupId>org.apache.flink</groupId><artifactId>$a</artifactId><version>2.1.1</version></dependency>"; done)
    else
      deps='<dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>4.2.0</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>4.2.0</version></dependency>'
    fi
    mkdir -p "$d/$f"
    cat > "$d/$f/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>tmp</groupId><artifactId>cp-$f</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>$deps $log4j</dependencies></project>
EOF
    (cd "$d/$f" && { mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$RC_DIR/$f.cp" >/dev/null 2>&1 ||
                     mvn -B -q dependency:build-classpath -Dmdep.outputFile="$RC_DIR/$f.cp"; })
  done
}

# --- configuration ----------------------------------------------------------------------------------------------
configs() {
  cat > "$RC_DIR/conf/config.yaml" <<EOF
jobmanager.rpc.address: localhost
jobmanager.rpc.port: 6123
jobmanager.bind-host: localhost
jobmanager.memory.process.size: $JM_PROCESS
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: $SLOTS
taskmanager.memory.process.size: $TM_PROCESS
taskmanager.memory.managed.size: 64m
rest.address: localhost
rest.bind-address: localhost
rest.port: $REST_PORT
execution.checkpointing.dir: file://$RC_DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$RC_DIR/savepoints
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 20
restart-strategy.fixed-delay.delay: 5s
heartbeat.interval: 5000
heartbeat.timeout: 20000
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
execution.checkpointing.num-retained: 3
EOF
  if [[ $HA == zookeeper ]]; then
    cat >> "$RC_DIR/conf/config.yaml" <<EOF
high-availability.type: zookeeper
high-availability.zookeeper.quorum: localhost:$ZK_PORT
high-availability.storageDir: file://$RC_DIR/ha
high-availability.cluster-id: /seedflow-real-cluster
EOF
  fi
  cat > "$RC_DIR/conf/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
EOF
  # the Flink CLI logs to a file next to the others; the broker logs at INFO except its noisy request logs
  cp "$RC_DIR/conf/log4j.properties" "$RC_DIR/conf/log4j-cli.properties"
  sed -e 's/^logger.kafka.level = WARN/logger.kafka.level = INFO/' "$RC_DIR/conf/log4j.properties" > "$RC_DIR/conf/log4j-kafka.properties"
  cat > "$RC_DIR/conf/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$((KAFKA_PORT + 1))
listeners=PLAINTEXT://localhost:$KAFKA_PORT,CONTROLLER://localhost:$((KAFKA_PORT + 1))
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$RC_DIR/kafka-data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
}

# start_jvm NAME LOG4J "JVM OPTIONS" CLASSPATH MAINCLASS ARGS... : a background JVM, its pid in pids/NAME.pid
start_jvm() {
  local name=$1 log4j=$2 jvm=$3 cp=$4; shift 4
  # shellcheck disable=SC2086
  nohup java $jvm $OPENS -Dlog.file="$RC_DIR/logs/$name.log" \
    -Dlog4j.configurationFile="file://$RC_DIR/conf/$log4j" -cp "$cp" "$@" > "$RC_DIR/logs/$name.out" 2>&1 &
  echo $! > "$RC_DIR/pids/$name.pid"
  echo "started $name pid $! (log $RC_DIR/logs/$name.log)"
}

wait_port() {  # wait_port PORT WHAT
  for _ in $(seq 1 120); do (echo > /dev/tcp/localhost/"$1") 2>/dev/null && return; sleep 1; done
  echo "$2 did not open port $1; see $RC_DIR/logs" >&2; exit 1
}

# Flink's start scripts derive the JVM flags and the fine-grained memory options (-D ...) from config.yaml with
# BashJavaUtils; the TaskManager refuses to start without the latter (taskmanager.cpu.cores, memory sizes).
resource_params() {  # resource_params GET_TM_RESOURCE_PARAMS|GET_JM_RESOURCE_PARAMS -> "JVM FLAGS" newline "-D ..."
  java -cp "$(cat "$RC_DIR/flink.cp")" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$RC_DIR/conf" \
    2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

start_tm() {
  local n=1; while [[ -e $RC_DIR/pids/taskmanager-$n.pid ]]; do n=$((n + 1)); done
  local p; p=$(resource_params GET_TM_RESOURCE_PARAMS)
  # shellcheck disable=SC2046
  start_jvm "taskmanager-$n" log4j.properties "$(head -1 <<< "$p")" "$(cat "$RC_DIR/flink.cp")" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner --configDir "$RC_DIR/conf" \
    $(tail -1 <<< "$p") -D taskmanager.resource-id="tm-$n-$(date +%s)"
}

# The first JobManager on the configured ports; another one (HA standby) on the next free REST and RPC ports. Without
# HA a JobManager's replacement must take the configured ports (the TaskManagers reconnect to them), so start it only
# once the old one is dead.
start_jm() {
  local n=1; while [[ -e $RC_DIR/pids/jobmanager-$n.pid ]] && kill -0 "$(cat "$RC_DIR/pids/jobmanager-$n.pid")" 2>/dev/null; do
    n=$((n + 1)); done
  local rest=$REST_PORT rpc=6123
  if [[ $HA == zookeeper ]]; then
    while (echo > /dev/tcp/localhost/$rest) 2>/dev/null; do rest=$((rest + 1)); done
    rpc=$((6123 + n - 1))
  elif (echo > /dev/tcp/localhost/"$REST_PORT") 2>/dev/null; then
    echo "a JobManager holds port $REST_PORT; without HA there is one JobManager (kill it first, or HA=zookeeper)" >&2
    exit 1
  fi
  local p; p=$(resource_params GET_JM_RESOURCE_PARAMS)
  local conf=$RC_DIR/conf-jm-$n  # its own ports (dynamic -D properties do not override the file's REST port)
  mkdir -p "$conf"; cp "$RC_DIR/conf/log4j.properties" "$conf/"
  sed -e "s/^rest.port: .*/rest.port: $rest/" -e "s/^jobmanager.rpc.port: .*/jobmanager.rpc.port: $rpc/" \
    "$RC_DIR/conf/config.yaml" > "$conf/config.yaml"
  rm -f "$RC_DIR/pids/jobmanager-$n.pid"
  # shellcheck disable=SC2046
  start_jvm "jobmanager-$n" log4j.properties "$(head -1 <<< "$p")" "$(cat "$RC_DIR/flink.cp")" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint --configDir "$conf" \
    --executionMode cluster $(tail -1 <<< "$p")
  wait_port "$rest" "jobmanager-$n"
  echo "jobmanager-$n: REST http://localhost:$rest, RPC $rpc"
}

cmd=${1:-help}; shift || true
case $cmd in
  start)
    for p in "$RC_DIR"/pids/*.pid; do [[ -e $p ]] || continue
      kill -0 "$(cat "$p")" 2>/dev/null &&
        { echo "$(basename "$p" .pid) is running (pid $(cat "$p")): stop first, or use another RC_DIR and ports" >&2; exit 1; }
      rm -f "$p"; done
    classpaths; configs
    if [[ ! -e $RC_DIR/kafka-data/meta.properties ]]; then   # kafka-storage format, once
      java -cp "$(cat "$RC_DIR/kafka.cp")" -Dlog4j.configurationFile="file://$RC_DIR/conf/log4j-kafka.properties" \
        -Dlog.file="$RC_DIR/logs/kafka-format.log" kafka.tools.StorageTool format \
        -t "$(java -cp "$(cat "$RC_DIR/kafka.cp")" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)" \
        -c "$RC_DIR/conf/server.properties"
    fi
    if [[ $HA == zookeeper ]]; then
      printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nadmin.enableServer=false\n' "$RC_DIR/zk-data" "$ZK_PORT" \
        > "$RC_DIR/conf/zoo.cfg"
      start_jvm zookeeper log4j-kafka.properties "-Xmx256m" "$(cat "$RC_DIR/zk.cp")" \
        org.apache.zookeeper.server.ZooKeeperServerMain "$RC_DIR/conf/zoo.cfg"
      wait_port "$ZK_PORT" zookeeper
    fi
    start_jvm kafka log4j-kafka.properties "-Xmx768m"  "$(cat "$RC_DIR/kafka.cp")" kafka.Kafka "$RC_DIR/conf/server.properties"
    start_jvm registry log4j.properties "-Xmx256m"  "$SEEDFLOW_JAR" io.seedflow.jobs.SeedflowCli registry \
      --data-dir "$RC_DIR/registry" --port "$REGISTRY_PORT"
    start_jm
    for _ in $(seq 1 "${1:-2}"); do start_tm; done
    wait_port "$KAFKA_PORT" kafka; wait_port "$REGISTRY_PORT" registry
    echo "kafka localhost:$KAFKA_PORT  registry http://localhost:$REGISTRY_PORT  flink http://localhost:$REST_PORT" ;;
  tm) classpaths; start_tm ;;
  jm) classpaths; configs; start_jm ;;
  newest-checkpoint)
    [[ $# -eq 1 ]] || { echo "newest-checkpoint: expected one argument, the job id" >&2; exit 2; }
    newest=$(for d in "$RC_DIR/checkpoints/$1"/chk-*; do [[ -e $d/_metadata ]] && echo "${d##*chk-} $d"; done |
      sort -n | tail -1 | cut -d' ' -f2)
    [[ -n $newest ]] || { echo "no retained checkpoint of job $1 under $RC_DIR/checkpoints" >&2; exit 1; }
    echo "$newest" ;;
  flink)
    classpaths
    # shellcheck disable=SC2086
    FLINK_CONF_DIR=$RC_DIR/conf exec java -Xmx512m $OPENS -Dlog.file="$RC_DIR/logs/flink-cli.log" \
      -Dlog4j.configurationFile="file://$RC_DIR/conf/log4j-cli.properties" \
      -cp "$(cat "$RC_DIR/flink.cp")" org.apache.flink.client.cli.CliFrontend "$@" ;;
  kafka) classpaths; c=$1; shift; exec java -cp "$(cat "$RC_DIR/kafka.cp")" "$c" "$@" ;;
  topics)
    classpaths
    cat > "$RC_DIR/CreateTopics.java" <<'JAVA'
import java.util.*;
import org.apache.kafka.clients.admin.*;
public class CreateTopics {  // args: BOOTSTRAP NAME:PARTITIONS...
  public static void main(String[] a) throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (int i = 1; i < a.length; i++) {
      String[] t = a[i].split(":");
      topics.add(new NewTopic(t[0], t.length > 1 ? Integer.parseInt(t[1]) : 1, (short) 1));
    }
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", a[0]))) {
      admin.createTopics(topics).all().get();
      System.out.println("topics now: " + new TreeSet<>(admin.listTopics().names().get()));
    }
  }
}
JAVA
    java -cp "$(cat "$RC_DIR/kafka.cp")" -Dlog4j.configurationFile="file://$RC_DIR/conf/log4j-kafka.properties" \
      -Dlog.file="$RC_DIR/logs/topics.log" "$RC_DIR/CreateTopics.java" "localhost:$KAFKA_PORT" "$@" ;;
  status) for p in "$RC_DIR"/pids/*.pid; do [[ -e $p ]] || continue
            n=$(basename "$p" .pid); if kill -0 "$(cat "$p")" 2>/dev/null; then echo "$n $(cat "$p") running"
            else echo "$n $(cat "$p") dead"; fi; done ;;
  stop) # TaskManagers and the JobManager first, the broker last; SIGTERM, then SIGKILL after 20 s
    for p in "$RC_DIR"/pids/taskmanager-*.pid "$RC_DIR"/pids/jobmanager-*.pid "$RC_DIR"/pids/{registry,kafka,zookeeper}.pid; do
      [[ -e $p ]] || continue
      pid=$(cat "$p"); if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -9 "$pid" 2>/dev/null || true; echo "stopped $(basename "$p" .pid) $pid"; fi
      rm -f "$p"; done ;;
  *) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 1 ;;
esac
