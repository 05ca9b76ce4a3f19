#!/usr/bin/env bash
# Start the local fake payout channels (Alipay, bank) and the web server against them.
# Called by `make run` after migrate and load_demo.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
FAKE_PORT=${FAKE_PORT:-8701}
var_dir=${XINGHUO_VAR_DIR:-var}
mkdir -p "$var_dir"
config_dir=$var_dir/fake-channels
rm -f "$config_dir/payout_channels.json"
.venv/bin/python -m xinghuo.settlement.channels.fakes --port "$FAKE_PORT" --config-dir "$config_dir" \
  > "$var_dir/fake-channels.log" 2>&1 &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  [ -s "$config_dir/payout_channels.json" ] && break
  kill -0 "$fake_pid" 2>/dev/null || { echo "fake channels failed to start:"; cat "$var_dir/fake-channels.log"; exit 1; }
  sleep 0.1
done
# The sweeps (stale payouts, overdue orders…) that Celery beat runs in production.
PAYOUT_CHANNELS_FILE="$config_dir/payout_channels.json" .venv/bin/python manage.py run_periodic \
  --every 30 > "$var_dir/periodic.log" 2>&1 &
periodic_pid=$!
trap 'kill $fake_pid $periodic_pid 2>/dev/null || true' EXIT INT TERM
echo
echo "  Xinghuo is running at http://$HOST:$PORT/   (API docs: http://$HOST:$PORT/api/v1/docs)"
echo "  Payouts go to the local fake Alipay and bank at http://127.0.0.1:$FAKE_PORT/"
echo
PAYOUT_CHANNELS_FILE="$config_dir/payout_channels.json" .venv/bin/python manage.py runserver "$HOST:$PORT"
