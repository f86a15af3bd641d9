#!/usr/bin/env bash
# Installs what building, running and testing Keepsake needs on a fresh Debian 12 machine.
# Idempotent: when everything is present it only checks and returns in a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Tauri 2 / WebKitGTK build dependencies
  libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev librsvg2-dev libayatana-appindicator3-dev
  libssl-dev pkg-config build-essential file libxdo-dev
  # USB discovery (rusb) and the third-party device tools used by interop tests
  libusb-1.0-0-dev usbmuxd libimobiledevice-utils libimobiledevice-dev libplist-utils
  # running the desktop app headless and driving it through WebDriver
  xvfb xauth webkit2gtk-driver imagemagick
  # a real Secret Service for the OS credential store in tests
  dbus dbus-x11 gnome-keyring libsecret-1-dev libsecret-tools
  # Python for the interop / e2e drivers
  python3-venv
  # the .deb test: dpkg-shlibdeps (what libraries the binaries need)
  dpkg-dev
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tauri-driver: the WebDriver bridge between the test and WebKitWebDriver
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: cargo install tauri-driver" >&2
  cargo install tauri-driver --locked --quiet
fi

# cargo-fuzz: builds and runs the libFuzzer targets in fuzz/ (scripts/fuzz.sh)
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "setup: cargo install cargo-fuzz" >&2
  cargo install cargo-fuzz --locked --quiet
fi

# UI dependencies, exactly as locked
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "setup: npm ci (ui)" >&2
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

# Python environment for the WebDriver and interop tests, inside the repo
if [ ! -x .venv/bin/python ] || [ tests/requirements.txt -nt .venv/.installed ]; then
  echo "setup: python venv (tests/requirements.txt)" >&2
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  touch .venv/.installed
fi
