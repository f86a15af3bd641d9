#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that code using
# the OS credential store (Secret Service) meets the real thing. The keyring lives in a throwaway
# folder and never touches the person's own keyrings. Usage: scripts/with-keyring.sh CMD...
# With KEEPSAKE_KEYRING_DIR set, the keyring is kept in that folder instead, so that programs run
# one after another in separate sessions (the CLI, then the app) see the same secrets.
set -euo pipefail
if [ "${KEEPSAKE_KEYRING_READY:-}" = 1 ]; then exec "$@"; fi
KEEPSAKE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export KEEPSAKE_ROOT
exec dbus-run-session -- bash -c '
  set -euo pipefail
  if [ -n "${KEEPSAKE_KEYRING_DIR:-}" ]; then
    keyrings=$KEEPSAKE_KEYRING_DIR
    mkdir -p "$keyrings"
  else
    keyrings=$(mktemp -d)
    trap "rm -rf $keyrings" EXIT
  fi
  export XDG_DATA_HOME=$keyrings
  eval "$(printf "keepsake-test\n" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL KEEPSAKE_KEYRING_READY=1
  # The end-to-end tests read the desktop notifications the app sends: a notification server of
  # their own on this session writes them to this file (tests/e2e/notification_daemon.py).
  if [ -n "${KEEPSAKE_TEST_NOTIFICATIONS:-}" ]; then
    "${KEEPSAKE_PYTHON:-python3}" "$KEEPSAKE_ROOT/tests/e2e/notification_daemon.py" "$KEEPSAKE_TEST_NOTIFICATIONS" &
    for _ in $(seq 100); do [ -e "$KEEPSAKE_TEST_NOTIFICATIONS.ready" ] && break; sleep 0.1; done
    [ -e "$KEEPSAKE_TEST_NOTIFICATIONS.ready" ] || { echo "with-keyring: the notification server did not start" >&2; exit 1; }
  fi
  "$@"
' with-keyring "$@"
