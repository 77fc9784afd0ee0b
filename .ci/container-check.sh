#!/usr/bin/env bash
# Container checks for CI (called by .ci/run; runnable by hand as root): the static checks of the deployment files,
# then the container smoke test. Fails (never skips) when a tool is missing and cannot be installed.
#
#   1. docker-compose.yml validates (`docker-compose config -q`, Debian's docker-compose 1.29, with and without the
#      demo profile), against a throwaway .env made from .env.example
#   2. the Dockerfile lints (`dockerfile-utils lint`)
#   3. scripts/test-container.sh: build the image with podman and run it (see that script)
#   4. scripts/test-compose.sh: docker-compose.yml run for real on that image, the demo profile and the production
#      service with PostgreSQL (see that script); the image is removed afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

echo "== container: static checks"
if ! command -v docker-compose >/dev/null; then
  # --no-install-recommends: docker-compose recommends docker.io, an engine this check does not need
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker-compose >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp docker-compose.yml "$tmp/"
cp .env.example "$tmp/.env"
grep -q '^POSTGRES_PASSWORD=' "$tmp/.env" || echo 'POSTGRES_PASSWORD=ci-placeholder' >>"$tmp/.env"
(cd "$tmp" && docker-compose config -q && docker-compose --profile demo config -q)
echo "ok   - docker-compose.yml validates (docker-compose $(docker-compose version --short))"

if [ -x node_modules/.bin/dockerfile-utils ]; then
  node_modules/.bin/dockerfile-utils lint Dockerfile
else
  npx --yes dockerfile-utils@0.16.3 lint Dockerfile
fi
echo "ok   - Dockerfile lints (dockerfile-utils)"

echo "== container: smoke test"
KEPT_IMAGE=localhost/persona-decider-ci:$$
trap 'rm -rf "$tmp"; podman rmi -f "$KEPT_IMAGE" >/dev/null 2>&1 || true' EXIT
SMOKE_KEEP_AS=$KEPT_IMAGE bash scripts/test-container.sh

echo "== container: compose"
COMPOSE_IMAGE=$KEPT_IMAGE bash scripts/test-compose.sh
