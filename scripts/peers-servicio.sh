#!/usr/bin/env bash
# A copy of ../shared/peers/bench/servers/servicio.sh as this project needs it (docs/PERFORMANCE.md,
# "How to reproduce"): cp scripts/peers-servicio.sh ../shared/peers/bench/servers/servicio.sh
# Starts Servicio Portal (the project) for the bench: a fresh store, demo shops, an API key for
# the adapter, rate limits out of the way, request logging off (the peers do not log requests).
#   SERVICIO_DIR   the project checkout (required; `npm ci` done there)
#   BENCH_STORE    sqlite (default) | postgres (needs PostgreSQL at BENCH_PG, trust auth)
set -euo pipefail
: "${SERVICIO_DIR:?set SERVICIO_DIR to the project checkout}"
here=$(cd "$(dirname "$0")/.." && pwd)
work="$here/.work/servicio-${PORT:-3301}"
rm -rf "$work"; mkdir -p "$work"
export DATA_DIR="$work/data" NODE_ENV=development LOG_LEVEL=warn HOST=127.0.0.1
export PUBLIC_URL="http://127.0.0.1:${PORT:-3301}"
export RATE_LOGIN_PER_IDENTIFIER_15M=10000 RATE_LOGIN_PER_IDENTIFIER_DAY=100000 RATE_LOGIN_PER_IP_15M=100000 TRUST_PROXY=127.0.0.1
export RATE_REDEEM_PER_IP_15M=100000 RATE_CODE_PER_IP_15M=100000 UNKNOWN_EMAIL_NOTICE=false
if [ "${BENCH_STORE:-sqlite}" = postgres ]; then
  pg="${BENCH_PG:-postgres://postgres@127.0.0.1:5432/test}"
  schema="bench_${PORT:-3301}"
  psql "$pg" -qc "drop schema if exists $schema cascade" >/dev/null
  export DATABASE_URL="$pg" DATABASE_SCHEMA="$schema"
fi
cd "$SERVICIO_DIR"
node bin/servicio.js migrate >/dev/null
node bin/servicio.js seed >/dev/null
node bin/servicio.js apikey create --tenant greenway-lawn --name bench --json > "$work/apikey.json"
# Production runs the compiled server (`npm start`: build, then node with the options of package.json's
# start script); a checkout without a build script still runs through tsx.
if node -e 'process.exit(require("./package.json").scripts?.build ? 0 : 1)'; then
  npm run build --silent >/dev/null
  opts=$(node -e 'const s=require("./package.json").scripts.start; const m=/node ((?:--\S+ )*)dist\/main\.js/.exec(s); process.stdout.write(m ? m[1] : "")')
  exec node $opts ${SERVICIO_NODE_ARGS:-} dist/main.js   # SERVICIO_NODE_ARGS: e.g. --cpu-prof, for profiling
fi
exec node --import tsx src/main.ts
