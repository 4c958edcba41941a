#!/bin/sh
# Create Assay's JetStream stream with 3 replicas, or raise an existing one (e.g. made R1 by a service
# that started first) to 3. Idempotent; run with the `nats` CLI (natsio/nats-box) and NATS_URL set.
# The subjects and the 10 m duplicate window are what adapters/bus.py relies on; it keeps the rest.
set -eu
: "${NATS_URL:?set NATS_URL, e.g. nats://nats:4222}"
STREAM="${ASSAY_STREAM:-ASSAY}"
REPLICAS="${ASSAY_STREAM_REPLICAS:-3}"

tries=0
until nats stream ls >/dev/null 2>&1; do  # JetStream answers once the cluster has a meta leader
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then
    echo "JetStream at $NATS_URL is not ready after 3 minutes" >&2
    exit 1
  fi
  sleep 2
done

if nats stream info "$STREAM" >/dev/null 2>&1; then
  nats stream edit "$STREAM" --replicas "$REPLICAS" --dupe-window 10m --force \
    || echo "stream $STREAM already as wanted (or not editable); left as is"
else
  nats stream add "$STREAM" --subjects 'assay.ev.>' --storage file --replicas "$REPLICAS" \
    --retention limits --discard old --dupe-window 10m --defaults
fi
nats stream info "$STREAM"
