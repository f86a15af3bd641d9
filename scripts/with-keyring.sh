#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that code using
# the OS credential store (Secret Service) meets the real thing. The keyring lives in a throwaway
# folder and never touches the person's own keyrings. Usage: scripts/with-keyring.sh CMD...
# With KEEPSAKE_KEYRING_DIR set, the keyring is kept in that folder instead, so that programs run
# one after another in separate sessions (the CLI, then the app) see the same secrets.
set -euo pipefail
if [ "${KEEPSAKE_KEYRING_READY:-}" = 1 ]; then exec "$@"; fi
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
  "$@"
' with-keyring "$@"
