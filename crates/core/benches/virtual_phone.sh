# Sourced by the benchmarks: the virtual iPhone (release build in $bin) as a coprocess.
#   phone_start ARGS...   starts it (USB only) with ARGS; exports USBMUXD_SOCKET_ADDRESS and sets
#                         $udid to its first phone's UDID
#   phone_stop            stops it (nothing when it is not running)
phone_start() {
  coproc PHONE { RUST_LOG=warn exec "$bin/keepsake-virtual-iphone" --no-wifi "$@"; }
  read -r line <&"${PHONE[0]}"
  export "${line?}"
  read -r device <&"${PHONE[0]}"
  udid=$(echo "$device" | awk '{print $2}')
}
phone_stop() {
  if [ -n "${PHONE_PID:-}" ]; then kill "$PHONE_PID" 2>/dev/null || true; wait "$PHONE_PID" 2>/dev/null || true; fi
  PHONE_PID=
}
