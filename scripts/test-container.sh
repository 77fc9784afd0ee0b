#!/usr/bin/env bash
# Container smoke test (`npm run test:container`, run by .ci/run): builds the production image from the unchanged
# Dockerfile with podman and proves it works the way the README says to run it.
#
#   1. the base image node:24-bookworm-slim is there (on a machine without a registry, the stand-in base image
#      script beside the repository, if any, builds a local stand-in: see BASE_SCRIPT; SMOKE_PULL_BASE=1 pulls
#      the real one instead)
#   2. `podman build --pull=never` of the Dockerfile; build time and image size are measured
#   3. the Persona simulator + downstream sink run from the same image (`node dist/sim/cli.js serve`, as the compose
#      demo profile does); the service runs with a read-only root filesystem (no tmpfs at all) and a volume on
#      /app/data (SQLite), listening on loopback (host network: every byte stays on 127.0.0.1)
#   4. checks: uid 1000, read-only root, HEALTHCHECK, 401 unsigned, a webhook fired by the simulator (new secret) and
#      one signed here (old secret: comma-list rotation), both decided via GET /decisions/:id with the bearer
#      token and delivered to the sink with a verified Standard Webhooks signature; SIGTERM (podman stop, the
#      image's STOPSIGNAL) gives exit code 0 within 10 s as PID 1; again with --init, on the same volume, where the
#      decisions are still there after the restart
#   5. containers, volume and the built image (with its build-stage layers) are removed on every exit path
#
# It never skips: if podman is missing, the base image cannot be made or the build fails, it fails (exit 1).
# Knobs: SMOKE_KEEP_IMAGE=1 keeps the image and builds with the layer cache (fast re-runs while iterating);
#        SMOKE_KEEP_AS=<name> keeps the image under that name when every check passed (the compose test reuses it);
#        SMOKE_NO_CACHE=1 builds with --no-cache; SMOKE_PULL_BASE=1 pulls the base image from its registry.
set -euo pipefail
cd "$(dirname "$0")/.."

export CONTAINERS_CONF=${CONTAINERS_CONF:-/tmp/node-base-containers.conf}
NODE_MAJOR=24
BASE_IMAGE=docker.io/library/node:${NODE_MAJOR}-bookworm-slim
# The stand-in base image script beside the repository, if any (it is not part of this repository): on a machine
# without a registry it builds a local node:<major>-bookworm-slim. NODE_BASE_SCRIPT names another such script.
BASE_SCRIPT=${NODE_BASE_SCRIPT:-../shared/tools/make-node-base-image.sh}
RUN_ID=$$
IMAGE=localhost/persona-decider-smoke:${RUN_ID}
SVC=pd-smoke-svc-${RUN_ID}
SIM=pd-smoke-sim-${RUN_ID}
VOL=pd-smoke-data-${RUN_ID}
HTTP="node scripts/container-smoke-http.mjs"
WORK=$(mktemp -d /tmp/pd-container-smoke.XXXXXX)
T0=$(date +%s)

passed=0
failed=0
log() { printf '[container %3ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
ok() { passed=$((passed + 1)); log "ok   - $*"; }
die() {
  failed=$((failed + 1))
  log "FAIL - $*"
  exit 1
}
# podman 4.3 without systemd logs an error for every container with a HEALTHCHECK (it cannot install the timer that
# runs it periodically); harmless here, since the smoke test runs the check itself with `podman healthcheck run`.
pm() { podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
human() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1" 2>/dev/null || echo "$1 bytes"; }

images_before=""
cleanup() {
  local code=$?
  set +e
  for c in "$SVC" "$SIM"; do
    if podman container exists "$c" 2>/dev/null; then
      if [ "$code" -ne 0 ]; then
        echo "----- last log lines of $c -----"
        podman logs --tail 40 "$c" 2>&1
      fi
      podman rm -f -v -t 0 "$c" >/dev/null 2>&1 # -v: also the anonymous volume of VOLUME /app/data
    fi
  done
  podman volume rm -f "$VOL" >/dev/null 2>&1
  if [ "${SMOKE_KEEP_IMAGE:-0}" != 1 ] && command -v podman >/dev/null; then
    local kept=""
    if [ "$code" -eq 0 ] && [ -n "${SMOKE_KEEP_AS:-}" ] && podman tag "$IMAGE" "$SMOKE_KEEP_AS" >/dev/null 2>&1; then
      kept=sha256:$(podman image inspect --format '{{.Id}}' "$SMOKE_KEEP_AS") # as `podman images -q --no-trunc` lists it
      podman untag "$IMAGE" "$IMAGE" >/dev/null 2>&1 # the one name (without a name, untag removes them all)
    else
      podman rmi -f "$IMAGE" >/dev/null 2>&1
    fi
    # the build stage and cached layers this run created (images that were not there before the build)
    if [ -n "$images_before" ]; then
      comm -13 <(echo "$images_before") <(podman images -aq --no-trunc | sort -u) | grep -vx "${kept:-none}" \
        | xargs -r podman rmi -f >/dev/null 2>&1
    fi
  fi
  rm -rf "$WORK"
  [ "$code" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  echo "container: ${passed} passed, ${failed} failed"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# 1. podman and the base image
if [ "${SMOKE_PULL_BASE:-0}" = 1 ]; then
  command -v podman >/dev/null || die "podman is not installed"
  timeout 600 podman pull "$BASE_IMAGE" || die "cannot pull $BASE_IMAGE"
elif ! command -v podman >/dev/null || [ ! -f "$CONTAINERS_CONF" ] || ! podman image exists "$BASE_IMAGE"; then
  [ -f "$BASE_SCRIPT" ] || die "no podman/base image and no $BASE_SCRIPT to make them"
  log "making the base image $BASE_IMAGE with $BASE_SCRIPT (~2 min)"
  t=$(date +%s%N)
  timeout 900 bash "$BASE_SCRIPT" "$NODE_MAJOR" || die "cannot make the base image $BASE_IMAGE"
  log "base image ready in $(($(ms_since "$t") / 1000)) s"
fi
podman image exists "$BASE_IMAGE" || die "base image $BASE_IMAGE is missing"
ok "podman $(podman version --format '{{.Client.Version}}'), base image $BASE_IMAGE"

# ---------------------------------------------------------------------------------------------------------------
# 2. build (HEALTHCHECK needs the docker image format; the build's network is the host's, no bridge needed)
images_before=$(podman images -aq --no-trunc | sort -u)
build_args=(--pull=never --format docker --network host -t "$IMAGE")
# Without SMOKE_KEEP_IMAGE, no layer cache: it would be thrown away anyway, and committing every step's layer costs
# ~100 s (measured: 302 s with layers, 204 s without, on 2 cores).
if [ "${SMOKE_KEEP_IMAGE:-0}" = 1 ]; then build_args+=(--layers); else build_args+=(--layers=false); fi
[ "${SMOKE_NO_CACHE:-0}" = 1 ] && build_args+=(--no-cache)
log "podman build ${build_args[*]} . (log: steps only; the full log is printed on failure)"
t=$(date +%s%N)
if ! timeout 1800 podman build "${build_args[@]}" . >"$WORK/build.log" 2>&1; then
  echo "----- last 80 lines of the build log -----"
  tail -80 "$WORK/build.log"
  die "the image could not be built"
fi
BUILD_MS=$(ms_since "$t")
grep -E '^\[[0-9]+/[0-9]+\] STEP|Using cache' "$WORK/build.log" | sed 's/^/    /' | cut -c1-150
cache_hits=$(grep -c 'Using cache' "$WORK/build.log" || true)
ok "image built in $((BUILD_MS / 1000)) s (${cache_hits} cached steps)"

IMAGE_BYTES=$(podman image inspect --format '{{.Size}}' "$IMAGE")
BASE_BYTES=$(podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
APP_BYTES=$((IMAGE_BYTES - BASE_BYTES))

# The image's metadata, as a runtime would read it (podman puts a docker-format HEALTHCHECK beside .Config).
podman image inspect "$IMAGE" >"$WORK/inspect.json"
# shellcheck disable=SC2016 # JavaScript, not shell
problems=$(node -e '
  const [img] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const c = img.Config ?? {}, hc = img.Healthcheck ?? c.Healthcheck;
  const p = [];
  if (c.User !== "node") p.push(`USER is ${c.User}, want node`);
  if (c.StopSignal !== "SIGTERM") p.push(`STOPSIGNAL is ${c.StopSignal}, want SIGTERM`);
  if (!c.Volumes || !("/app/data" in c.Volumes)) p.push("no VOLUME /app/data");
  if (JSON.stringify(c.Cmd) !== JSON.stringify(["node", "dist/main.js"])) p.push(`CMD is ${JSON.stringify(c.Cmd)}`);
  if (!hc || !JSON.stringify(hc.Test ?? []).includes("/healthz")) p.push("no HEALTHCHECK on /healthz (built without --format docker?)");
  if (!(c.Env ?? []).includes("NODE_ENV=production")) p.push("NODE_ENV is not production");
  console.log(p.join("; "));
' "$WORK/inspect.json")
[ -z "$problems" ] || die "image metadata: $problems"
ok "image metadata: USER node, STOPSIGNAL SIGTERM, VOLUME /app/data, HEALTHCHECK /healthz, NODE_ENV=production"

# Only what the runtime needs: no sources, tests, npm caches or dev dependencies.
# shellcheck disable=SC2016 # expanded by the container's shell
pm run --rm --pull=never --network none --read-only "$IMAGE" sh -c '
  set -e
  for p in /app/src /app/test /app/.env /app/.git /app/tsconfig.json /app/node_modules/typescript /app/node_modules/vitest \
           /app/node_modules/better-sqlite3/deps /app/node_modules/better-sqlite3/src; do
    if [ -e "$p" ]; then echo "unexpected in image: $p"; exit 1; fi
  done
  test -f /app/dist/main.js && test -f /app/dist/sim/cli.js && test -f /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node
  node -e "new (require(\"better-sqlite3\"))(\":memory:\").prepare(\"select 1\").get()"
' || die "image contents are not the runtime set"
ok "image contains dist/ + production node_modules only; the native addon loads"

# ---------------------------------------------------------------------------------------------------------------
# 3. simulator + sink, then the service
read -r SVC_PORT SIM_PORT SINK_PORT <<<"$($HTTP ports 3)"
WEBHOOK_SECRET_NEW="wbhsec_smoke_new_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
WEBHOOK_SECRET_OLD="wbhsec_smoke_old_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
SINK_SECRET="whsec_$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
API_TOKEN="smoke-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
API_KEY=persona_sandbox_smoke_key
SVC_URL=http://127.0.0.1:${SVC_PORT}
SIM_URL=http://127.0.0.1:${SIM_PORT}
SINK_URL=http://127.0.0.1:${SINK_PORT}

pm run -d --pull=never --name "$SIM" --network host --read-only --read-only-tmpfs=false \
  -e SIM_API_KEY="$API_KEY" -e SIM_WEBHOOK_SECRET="$WEBHOOK_SECRET_NEW" -e SIM_SINK_SECRET="$SINK_SECRET" \
  "$IMAGE" node dist/sim/cli.js serve --json --host 127.0.0.1 --port "$SIM_PORT" --sink-port "$SINK_PORT" >/dev/null \
  || die "cannot start the simulator container"
$HTTP wait-ready "$SINK_URL/_sink/deliveries" 30 >/dev/null || die "the sink did not come up"
$HTTP wait-ready "$SIM_URL/_sim/stats" 30 >/dev/null || die "the simulator did not come up"
ok "simulator ($SIM_URL) and sink ($SINK_URL) running from the image (node dist/sim/cli.js serve)"

# The service container: read-only root, no tmpfs anywhere, data on a named volume, same flags as docs/deployment.md.
start_service() { # extra podman run flags...
  pm run -d --pull=never --name "$SVC" --network host --read-only --read-only-tmpfs=false \
    --health-interval disable -v "$VOL:/app/data" "$@" \
    -e HOST=127.0.0.1 -e PORT="$SVC_PORT" \
    -e PERSONA_WEBHOOK_SECRET="$WEBHOOK_SECRET_NEW,$WEBHOOK_SECRET_OLD" \
    -e PERSONA_API_KEY="$API_KEY" -e PERSONA_API_URL="$SIM_URL/api/v1" \
    -e API_TOKENS="$API_TOKEN" \
    -e DOWNSTREAM_URL="$SINK_URL/decisions" -e DOWNSTREAM_SIGNING_SECRET="$SINK_SECRET" \
    -e VERIFICATION_POLL_MIN_DELAY_MS=200 -e VERIFICATION_POLL_MAX_DELAY_MS=1000 \
    -e DOWNSTREAM_RETRY_MIN_DELAY_MS=200 \
    "$IMAGE" >/dev/null || die "cannot start the service container"
  local t
  t=$(date +%s%N)
  $HTTP wait-ready "$SVC_URL/readyz" 30 >/dev/null || die "the service did not become ready (GET /readyz)"
  READY_MS=$(ms_since "$t")
}

# SIGTERM via `podman stop` (the image's STOPSIGNAL); podman would SIGKILL after 10 s, which gives exit code 137.
stop_service() { # label
  local t code ms
  t=$(date +%s%N)
  pm stop -t 10 "$SVC" >/dev/null || die "podman stop failed ($1)"
  ms=$(ms_since "$t")
  code=$(podman inspect --format '{{.State.ExitCode}}' "$SVC")
  [ "$code" = 0 ] || die "$1: exit code $code after SIGTERM (want 0) in ${ms} ms"
  [ "$ms" -lt 10000 ] || die "$1: took ${ms} ms to stop (limit 10000)"
  # to a file first: under pipefail, `grep -q` stopping at the first match can fail the pipeline (SIGPIPE)
  podman logs "$SVC" >"$WORK/service-logs.txt" 2>&1 || true
  grep -q '"msg":"stopped"' "$WORK/service-logs.txt" || die "$1: no 'stopped' log line (drain did not finish)"
  ok "$1: SIGTERM -> drained, exit code 0 in ${ms} ms"
  pm rm -v "$SVC" >/dev/null
}

podman volume create "$VOL" >/dev/null
start_service
ok "service ready on $SVC_URL in ${READY_MS} ms (read-only root, no tmpfs, volume $VOL on /app/data)"

# ---------------------------------------------------------------------------------------------------------------
# 4. checks
pid1_uid=$(podman exec "$SVC" sh -c 'awk "/^Uid:/ {print \$2}" /proc/1/status')
exec_uid=$(podman exec "$SVC" id -u)
pid1_cmd=$(podman exec "$SVC" sh -c 'tr "\0" " " </proc/1/cmdline' | sed 's/ *$//')
if [ "$pid1_uid" != 1000 ] || [ "$exec_uid" != 1000 ]; then die "process uid is $pid1_uid (exec: $exec_uid), want 1000"; fi
ok "PID 1 ($pid1_cmd) runs as uid $pid1_uid"

podman exec "$SVC" sh -c 'touch /app/probe 2>/dev/null || touch /tmp/probe 2>/dev/null' \
  && die "the root filesystem is writable"
podman exec "$SVC" test -s /app/data/decisions.db || die "no SQLite database on the /app/data volume"
ok "root filesystem read-only (/app and /tmp not writable); SQLite database on the volume"

podman healthcheck run "$SVC" >/dev/null || die "the image's HEALTHCHECK failed"
ok "HEALTHCHECK (node fetch /healthz) passes"

[ "$($HTTP status POST "$SVC_URL/webhooks/persona")" = 401 ] || die "an unsigned webhook was not refused with 401"
[ "$($HTTP status GET "$SVC_URL/decisions/inq_x")" = 401 ] || die "GET /decisions without a token was not refused with 401"
ok "unsigned webhook -> 401; /decisions without bearer token -> 401"

[ "$($HTTP status GET "$SVC_URL/console")" = 200 ] || die "GET /console did not serve the operator console"
[ "$($HTTP status GET "$SVC_URL/console/vendor/preact.module.js")" = 200 ] || die "the console's vendored library is missing from the image"
ok "GET /console and its vendored library are served from the image"

# (a) fired by the simulator, signed with the new secret
fire_out=$(podman exec -e SIM_WEBHOOK_SECRET="$WEBHOOK_SECRET_NEW" "$SIM" \
  node dist/sim/cli.js fire --target "$SVC_URL/webhooks/persona" --scenario all-passed --json) \
  || die "the simulator's webhook was not acknowledged: $fire_out"
INQ_A=$(node -e 'const r=JSON.parse(process.argv[1]); if(r.status!==200) process.exit(1); console.log(r.inquiryId)' "$fire_out") \
  || die "unexpected fire result: $fire_out"
ok "simulator fired inquiry.completed for $INQ_A -> 200"

# (b) built and signed here with the OLD secret (the service accepts any secret of its comma list)
INQ_B="inq_failedLiveness_smoke$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
send_out=$($HTTP send-signed "$SVC_URL/webhooks/persona" "$WEBHOOK_SECRET_OLD" "$INQ_B") \
  || die "the hand-signed webhook was not acknowledged: $send_out"
ok "hand-signed (old secret) inquiry.completed for $INQ_B -> 200 $(node -e 'console.log(JSON.stringify(JSON.parse(process.argv[1]).answer))' "$send_out")"

check_decision() { # inquiry expected-outcome
  local out outcome
  out=$($HTTP wait-decision "$SVC_URL" "$API_TOKEN" "$1" 60) || die "no decision for $1: $out"
  outcome=$(node -e 'const d=JSON.parse(process.argv[1]); console.log(d.outcome, d.reasons.map(r=>r.code).join(","), d.decisionId)' "$out")
  [ "${outcome%% *}" = "$2" ] || die "decision for $1 is '$outcome', want $2"
  ok "GET /decisions/$1 -> decided: $outcome"
  out=$($HTTP wait-delivery "$SINK_URL" "$1" 30) || die "no verified delivery for $1 at the sink: $out"
  ok "sink received a verified delivery for $1: $(node -e 'const d=JSON.parse(process.argv[1]); console.log(d.outcome, d.webhookId)' "$out")"
}
check_decision "$INQ_A" approved
check_decision "$INQ_B" declined

# ---------------------------------------------------------------------------------------------------------------
# 5. graceful stop as PID 1, then restart on the same volume with --init and stop again
stop_service "as PID 1"
start_service --init
[ "$($HTTP status GET "$SVC_URL/decisions/$INQ_A" "$API_TOKEN")" = 200 ] || die "the decision is gone after a restart"
ok "restarted with --init on the same volume in ${READY_MS} ms; migrations re-run cleanly; decisions persisted"
stop_service "with --init"

podman stop -t 5 "$SIM" >/dev/null 2>&1 || true

echo
echo "=== container smoke test summary ==="
printf '  image          %s\n' "$IMAGE"
printf '  image size     %s (%s bytes; base %s, app layers %s)\n' "$(human "$IMAGE_BYTES")" "$IMAGE_BYTES" "$(human "$BASE_BYTES")" "$(human "$APP_BYTES")"
printf '  build time     %s s (%s cached steps)\n' "$((BUILD_MS / 1000))" "$cache_hits"
printf '  total time     %s s\n' "$(($(date +%s) - T0))"
printf '  checks         %s passed\n' "$passed"
