#!/usr/bin/env bash
# Installs Debian's Chromium for the review page's browser tests when it is missing (called by `make test`).
# Never fails the build: without Chromium the browser tests are skipped, and say so.
set -u
CHROMIUM="${ASSAY_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: no $CHROMIUM and no apt-get here; the browser tests will be skipped" >&2
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "note: $CHROMIUM is missing and installing it needs root (or passwordless sudo):" >&2
    echo "      sudo apt-get install --no-install-recommends chromium; the browser tests will be skipped" >&2
    exit 0
fi
echo "installing Debian's chromium for the browser tests (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1
    if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
        echo "note: apt-get could not install chromium; the browser tests will be skipped" >&2
    fi
fi
exit 0
