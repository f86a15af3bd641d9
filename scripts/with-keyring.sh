#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that code using
# the OS credential store (Secret Service) meets the real thing. The keyring lives in a throwaway
# folder and never touches the person's own keyrings. Usage: scripts/with-keyring.sh CMD...
set -euo pipefail
if [ "${KEEPSAKE_KEYRING_READY:-}" = 1 ]; then exec "$@"; fi
exec dbus-run-session -- bash -c '
  set -euo pipefail
  keyrings=$(mktemp -d)
  trap "rm -rf $keyrings" EXIT
  export XDG_DATA_HOME=$keyrings
  eval "$(printf "keepsake-test\n" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL KEEPSAKE_KEYRING_READY=1
  "$@"
' with-keyring "$@"
