#!/usr/bin/env bash
# Compose test (`npm run test:compose`; .ci/container-check.sh runs it after the smoke test, on the image that built):
# docker-compose.yml run for real, as a user runs it, with Debian's docker-compose 1.29 against podman's Docker API.
#
#   0. podman serves the Docker API on a socket of this run (`podman system service`); the postgres:15 stand-in is
#      made when missing (on a machine without a registry: the stand-in image script beside the repository); the
#      service image is COMPOSE_IMAGE (the smoke test's), else built here from the Dockerfile with podman
#   1. the demo profile, with a .env made as the README says (`cp .env.example .env`, nothing else):
#      `docker-compose --profile demo up --abort-on-container-exit --exit-code-from demo-fire demo-fire` exits 0 and
#      demo-fire's last line says every expected decision was delivered as expected with a verified signature;
#      `down -v` leaves no container, network or volume of the project
#   2. the production service with a .env of real secrets (the Persona API is the demo profile's simulator, since
#      no machine here reaches Persona): persona-decider against the postgres service, healthy by its compose
#      healthcheck; a signed webhook through the published loopback port, decided and read at GET /decisions/:id
#      with the token, and delivered to the sink; `restart postgres`: the service is not restarted (same container,
#      same start time), becomes ready again and decides the next webhook; `restart persona-decider`: the decisions
#      are still there; `down -v` leaves nothing behind
#
# podman runs HEALTHCHECKs only when something triggers them (no systemd timers here): a loop runs
# `podman healthcheck run` on the project's containers every second while compose waits on `service_healthy`.
# It never skips: a missing tool that cannot be installed, or an image that cannot be made, fails it.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

export CONTAINERS_CONF=${CONTAINERS_CONF:-/tmp/node-base-containers.conf}
PG_IMAGE=docker.io/library/postgres:15
PG_SCRIPT=${POSTGRES_BASE_SCRIPT:-../shared/tools/make-postgres-image.sh}
RUN_ID=$$
PROJECT=pdcompose${RUN_ID}
TAG=compose-${RUN_ID}
IMAGE=localhost/persona-decider:${TAG}
WORK=$(mktemp -d /tmp/pd-compose.XXXXXX)
SOCK=$WORK/podman.sock
HTTP="node $REPO/scripts/container-smoke-http.mjs"
T0=$(date +%s)
# the demo profile's fixed values (docker-compose.yml): the simulator's API key, webhook and sink secrets
DEMO_API_KEY=persona_sandbox_demo_key
DEMO_SINK_SECRET=whsec_ZGVtbyBzaW5rIHNlY3JldCwgbm90IGEgcmVhbCBvbmUh
SINK_URL=http://127.0.0.1:4020

passed=0
failed=0
log() { printf '[compose %3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
ok() { passed=$((passed + 1)); log "ok   - $*"; }
die() {
  failed=$((failed + 1))
  log "FAIL - $*"
  exit 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
compose() { docker-compose -p "$PROJECT" "$@"; }

api_pid="" health_pid="" built_here=0
cleanup() {
  local code=$?
  set +e
  if [ -S "$SOCK" ] && [ -f "$WORK/docker-compose.yml" ]; then
    if [ "$code" -ne 0 ]; then
      echo "----- compose ps and the last log lines -----"
      (cd "$WORK" && compose --profile demo ps && compose --profile demo logs --tail 30 --no-color) 2>&1 | tail -150
    fi
    (cd "$WORK" && compose --profile demo down -v --remove-orphans -t 5 >/dev/null 2>&1)
  fi
  [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
  # anything of the project that compose did not remove (it did, when the checks passed)
  podman ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r podman rm -f -v -t 0 >/dev/null 2>&1
  podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r podman volume rm -f >/dev/null 2>&1
  podman network ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r podman network rm -f >/dev/null 2>&1
  podman rmi "$IMAGE" >/dev/null 2>&1 # the tag only, when COMPOSE_IMAGE is another name of the same image
  [ "$built_here" = 1 ] && [ "${COMPOSE_KEEP_IMAGE:-0}" != 1 ] && podman rmi -f "$IMAGE" >/dev/null 2>&1
  rm -rf "$WORK"
  [ "$code" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  echo "compose: ${passed} passed, ${failed} failed"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# 0. tools, the Docker API, images
if ! command -v docker-compose >/dev/null; then
  apt-get update -qq >/dev/null
  # --no-install-recommends: docker-compose recommends docker.io, an engine this test does not use
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
command -v docker-compose >/dev/null || die "docker-compose is not installed and could not be"
command -v podman >/dev/null || die "podman is not installed (the smoke test's base image script installs it)"

podman system service --time=0 "unix://$SOCK" >"$WORK/podman-service.log" 2>&1 &
api_pid=$!
export DOCKER_HOST=unix://$SOCK
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || die "podman system service did not open $SOCK"
ok "podman $(podman version --format '{{.Client.Version}}') serves the Docker API; docker-compose $(docker-compose version --short)"

if ! podman image exists "$PG_IMAGE"; then
  [ -f "$PG_SCRIPT" ] || die "no $PG_IMAGE image and no $PG_SCRIPT to make a stand-in"
  log "making $PG_IMAGE with $PG_SCRIPT (~1.5 min)"
  timeout 900 bash "$PG_SCRIPT" >"$WORK/postgres-image.log" 2>&1 || {
    tail -40 "$WORK/postgres-image.log"
    die "cannot make $PG_IMAGE"
  }
fi
if [ -n "${COMPOSE_IMAGE:-}" ]; then
  podman image exists "$COMPOSE_IMAGE" || die "COMPOSE_IMAGE $COMPOSE_IMAGE does not exist"
  podman tag "$COMPOSE_IMAGE" "$IMAGE"
  ok "images: $PG_IMAGE, and the service image $COMPOSE_IMAGE (tagged $IMAGE)"
else
  log "building $IMAGE from the Dockerfile (COMPOSE_IMAGE unset)"
  built_here=1
  podman build --pull=never --format docker --network host --layers -t "$IMAGE" . >"$WORK/build.log" 2>&1 || {
    tail -60 "$WORK/build.log"
    die "the image could not be built"
  }
  ok "images: $PG_IMAGE, and the service image built here ($IMAGE)"
fi
export PERSONA_DECIDER_TAG=$TAG

# The compose file alone in a folder of its own, with its own .env: the checkout's .env (if any) is never read.
cp docker-compose.yml "$WORK/"
cd "$WORK"

# podman runs a container's HEALTHCHECK only when asked: ask for every running container of the project, each second.
(
  while :; do
    for c in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT" 2>/dev/null); do
      podman healthcheck run "$c" >/dev/null 2>&1 || true
    done
    sleep 1
  done
) &
health_pid=$!

health_of() { podman inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null || echo missing; }
container_of() { compose --profile demo ps -q "$1" | head -1; }
wait_healthy() { # service seconds
  local c deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    c=$(container_of "$1")
    if [ -n "$c" ] && [ "$(health_of "$c")" = healthy ]; then return 0; fi
    sleep 0.5
  done
  return 1
}
leftovers() {
  {
    podman ps -aq --filter "label=com.docker.compose.project=$PROJECT"
    podman volume ls -q --filter "label=com.docker.compose.project=$PROJECT"
    podman network ls -q --filter "label=com.docker.compose.project=$PROJECT"
    podman volume ls -q | grep "^${PROJECT}_" || true
    podman network ls --format '{{.Name}}' | grep "^${PROJECT}_" || true
  } | sort -u | tr '\n' ' '
}
down_clean() { # label
  local t rest
  t=$(date +%s%N)
  compose --profile demo down -v -t 10 >"$WORK/down.log" 2>&1 || {
    cat "$WORK/down.log"
    die "$1: docker-compose down -v failed"
  }
  rest=$(leftovers)
  [ -z "$rest" ] || die "$1: down -v left behind: $rest"
  ok "$1: down -v in $(($(ms_since "$t") / 1000)) s, no container, network or volume left"
}

# ---------------------------------------------------------------------------------------------------------------
# 1. the demo profile, as the README runs it, with .env copied from .env.example and nothing else
cp "$REPO/.env.example" .env
log "docker-compose --profile demo up --abort-on-container-exit --exit-code-from demo-fire demo-fire"
t=$(date +%s%N)
set +e
compose --profile demo up --no-color --abort-on-container-exit --exit-code-from demo-fire demo-fire >"$WORK/demo.log" 2>&1
demo_code=$?
set -e
fire_lines=$(grep -E '^demo-fire[_-]' "$WORK/demo.log" | sed -E 's/^[^|]*\| ?//' || true)
# docker-compose 1.29's log printer (Python, talking to podman's Docker API) can die on a log stream while the
# containers run on: a fault of the client, seen once in CI, not of the stack. The demo is then not over; wait for
# demo-fire through podman, and take its exit code and its output from podman rather than from the dead client.
if [ "$demo_code" -ne 0 ] && grep -q 'compose/cli/log_printer.py' "$WORK/demo.log"; then
  log "docker-compose's log printer crashed ($(grep -E '^[A-Za-z_.]+(Error|Exception)' "$WORK/demo.log" | tail -1)); waiting for demo-fire through podman"
  fire=$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=demo-fire" | head -1)
  [ -n "$fire" ] || die "docker-compose crashed and demo-fire's container is gone"
  demo_code=$(timeout 240 podman wait "$fire" 2>&1) || die "demo-fire did not finish within 240 s after docker-compose crashed"
  fire_lines=$(podman logs "$fire" 2>&1)
  compose --profile demo stop -t 10 >/dev/null 2>&1 || true
fi
DEMO_MS=$(ms_since "$t")
printf '%s\n' "$fire_lines" | sed 's/^/    /'
if [ "$demo_code" -ne 0 ]; then
  tail -60 "$WORK/demo.log"
  # the service's whole log (its lines name ids, outcomes and timings, never PII): `up … demo-fire` attaches only
  # demo-fire's output, and a wrong decision is explained by when and how the service took it
  echo "----- persona-decider-demo's log -----"
  compose --profile demo logs --no-color persona-decider-demo 2>&1 | tail -400
  die "the demo exited with code $demo_code (demo-fire's)"
fi
summary=$(printf '%s\n' "$fire_lines" | grep -E '^[0-9]+/[0-9]+ decisions delivered as expected' | tail -1)
read -r got want <<<"$(printf '%s' "$summary" | sed -nE 's#^([0-9]+)/([0-9]+) .*#\1 \2#p')"
[ -n "${want:-}" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] || die "demo-fire's summary is '$summary'"
DEMO_SUMMARY=$summary
ok "demo profile: exit code 0 in $((DEMO_MS / 1000)) s; demo-fire: $summary"
# the production service was not part of it (naming demo-fire starts what it needs only)
[ -z "$(compose ps -q persona-decider)$(compose ps -q postgres)" ] || die "the demo started the production service too"
ok "demo profile: the production service and PostgreSQL were not started (.env keeps its placeholders)"
down_clean "demo profile"

# ---------------------------------------------------------------------------------------------------------------
# 2. the production service with real secrets; the demo's simulator stands in for Persona (and the sink for the
#    downstream consumer)
read -r PUBLISH_PORT <<<"$($HTTP ports 1)"
WEBHOOK_SECRET="wbhsec_compose_$(random_hex 16)"
API_TOKEN="compose-$(random_hex 20)"
{
  grep -vE '^(PERSONA_WEBHOOK_SECRET|PERSONA_API_KEY|PERSONA_API_URL|API_TOKENS|DOWNSTREAM_URL|DOWNSTREAM_SIGNING_SECRET|POSTGRES_PASSWORD|PUBLISH_PORT|DOWNSTREAM_RETRY_MIN_DELAY_MS|VERIFICATION_POLL_MIN_DELAY_MS|VERIFICATION_POLL_MAX_DELAY_MS)=' "$REPO/.env.example"
  echo "PERSONA_WEBHOOK_SECRET=$WEBHOOK_SECRET"
  echo "PERSONA_API_KEY=$DEMO_API_KEY"
  echo "PERSONA_API_URL=http://persona-sim:4010/api/v1"
  echo "API_TOKENS=$API_TOKEN"
  echo "DOWNSTREAM_URL=http://persona-sim:4020/decisions"
  echo "DOWNSTREAM_SIGNING_SECRET=$DEMO_SINK_SECRET"
  echo "DOWNSTREAM_RETRY_MIN_DELAY_MS=200"
  echo "VERIFICATION_POLL_MIN_DELAY_MS=200"
  echo "VERIFICATION_POLL_MAX_DELAY_MS=1000"
  echo "POSTGRES_PASSWORD=$(random_hex 16)"
  echo "PUBLISH_PORT=$PUBLISH_PORT"
} >.env
SVC_URL=http://127.0.0.1:${PUBLISH_PORT}

t=$(date +%s%N)
compose --profile demo up -d --no-color persona-sim persona-decider >"$WORK/up.log" 2>&1 || {
  cat "$WORK/up.log"
  die "docker-compose up -d persona-decider failed"
}
wait_healthy persona-decider 120 || die "persona-decider did not become healthy (compose healthcheck: /readyz)"
ok "persona-decider healthy (its compose healthcheck, /readyz) $(($(ms_since "$t") / 1000)) s after up, postgres healthy first (pg_isready)"
PG_URL_SEEN=$(compose logs --no-color persona-decider 2>&1 | grep -o '"databaseUrl":"[^"]*"' | head -1 || true)
[ -n "$PG_URL_SEEN" ] && [[ "$PG_URL_SEEN" == *postgres://* ]] && [[ "$PG_URL_SEEN" != *"$(sed -n 's/^POSTGRES_PASSWORD=//p' .env)"* ]] \
  || die "the service's startup log does not show a redacted postgres:// DATABASE_URL ($PG_URL_SEEN)"
ok "the service runs on the postgres service; its log shows $PG_URL_SEEN (password redacted)"

check_decision() { # inquiry expected-outcome
  local out outcome
  out=$($HTTP wait-decision "$SVC_URL" "$API_TOKEN" "$1" 60) || die "no decision for $1: $out"
  outcome=$(node -e 'const d=JSON.parse(process.argv[1]); console.log(d.outcome, d.decisionId)' "$out")
  [ "${outcome%% *}" = "$2" ] || die "decision for $1 is '$outcome', want $2"
  out=$($HTTP wait-delivery "$SINK_URL" "$1" 30) || die "no verified delivery for $1 at the sink: $out"
  ok "signed webhook for $1 -> GET /decisions (bearer token): $outcome; delivered to the sink, signature verified"
}
send() { # inquiry
  local out
  out=$($HTTP send-signed "$SVC_URL/webhooks/persona" "$WEBHOOK_SECRET" "$1") || die "webhook for $1 not acknowledged: $out"
}
[ "$($HTTP status GET "$SVC_URL/decisions/inq_x")" = 401 ] || die "GET /decisions without a token was not refused"
INQ_A="inq_allPassed_compose$(random_hex 6)"
send "$INQ_A"
check_decision "$INQ_A" approved

# PostgreSQL restarts under the running service
svc=$(container_of persona-decider)
started_before=$(podman inspect --format '{{.State.StartedAt}}' "$svc")
restarts_before=$(podman inspect --format '{{.RestartCount}}' "$svc")
t=$(date +%s%N)
compose restart -t 10 postgres >"$WORK/restart.log" 2>&1 || die "docker-compose restart postgres failed"
wait_healthy postgres 60 || die "postgres did not become healthy after its restart"
$HTTP wait-ready "$SVC_URL/readyz" 60 >/dev/null || die "the service did not become ready again after postgres restarted"
ok "docker-compose restart postgres: the service ready again $(($(ms_since "$t") / 1000)) s after the restart began"
INQ_B="inq_failedLiveness_compose$(random_hex 6)"
send "$INQ_B"
check_decision "$INQ_B" declined
[ "$(container_of persona-decider)" = "$svc" ] || die "the service container was replaced"
[ "$(podman inspect --format '{{.State.StartedAt}}' "$svc")" = "$started_before" ] \
  && [ "$(podman inspect --format '{{.RestartCount}}' "$svc")" = "$restarts_before" ] \
  || die "the service restarted when postgres did"
ok "the service was not restarted by the postgres restart (same container, started $started_before)"

# The service restarts; the data is in the pgdata volume
t=$(date +%s%N)
compose restart -t 30 persona-decider >"$WORK/restart.log" 2>&1 || die "docker-compose restart persona-decider failed"
wait_healthy persona-decider 90 || die "persona-decider did not become healthy after its restart"
for inquiry in "$INQ_A" "$INQ_B"; do
  [ "$($HTTP status GET "$SVC_URL/decisions/$inquiry" "$API_TOKEN")" = 200 ] || die "the decision for $inquiry is gone after the restart"
done
# to a file first: under pipefail, `grep -q` stopping at the first match can fail the pipeline (SIGPIPE to the writer)
compose logs --no-color persona-decider >"$WORK/service-logs.txt" 2>&1 || true
grep -q '"msg":"stopped"' "$WORK/service-logs.txt" || die "no 'stopped' line: the service did not drain on restart"
ok "docker-compose restart persona-decider: drained, healthy again in $(($(ms_since "$t") / 1000)) s, both decisions kept"
down_clean "production service"

echo
echo "=== compose test summary ==="
printf '  demo           %s (%s s for up to exit)\n' "$DEMO_SUMMARY" "$((DEMO_MS / 1000))"
printf '  total time     %s s\n' "$(($(date +%s) - T0))"
printf '  checks         %s passed\n' "$passed"
