#!/usr/bin/env bash
# The Debian package, end to end: builds it with scripts/bundle.sh, checks its control fields and
# contents, then really installs it with apt (as root, or through sudo), runs the installed
# `keepsake` from /usr/bin, starts the installed desktop app under Xvfb with a throwaway HOME and
# checks that it is still running and shows a window, and removes the package again.
#
# It installs into the system, so it refuses to run when a `keepsake` package is already installed
# (remove it first: apt-get remove keepsake). Exit 0 only when every check passed; no check is skipped.
#
#   bash tests/bundle/test_deb.sh           # a release build, as scripts/bundle.sh makes it
#   bash tests/bundle/test_deb.sh --debug   # the debug build already made (scripts/test.sh): the
#                                           # same packaging, without a second compile
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

failures=0
say() { printf 'test_deb: %s\n' "$*" >&2; }
ok() { printf 'test_deb: ok   %s\n' "$*" >&2; }
bad() { printf 'test_deb: FAIL %s\n' "$*" >&2; failures=$((failures + 1)); }
die() { printf 'test_deb: FAIL %s\n' "$*" >&2; exit 1; }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "installing the .deb needs root or sudo"
  SUDO=sudo
fi
for tool in dpkg-deb dpkg-shlibdeps apt-get apt-cache Xvfb import python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (scripts/setup.sh installs what this test needs)"
done
if dpkg-query -W -f='${Status}' keepsake 2>/dev/null | grep -q "install ok installed"; then
  die "a keepsake package is already installed here; remove it first (apt-get remove -y keepsake)"
fi

work=$(mktemp -d /tmp/keepsake-deb-test.XXXXXX)
installed=0
xvfb_pid=""
app_pid=""
cleanup() {
  [ -z "$app_pid" ] || kill -KILL -- "-$app_pid" 2>/dev/null || true
  [ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
  if ((installed)); then
    say "removing the package (cleanup)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq keepsake >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

version=$(python3 -c 'import json; print(json.load(open("tauri.conf.json"))["version"])')
cargo_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
check "tauri.conf.json's version ($version) is the workspace's ($cargo_version)" [ "$version" = "$cargo_version" ]

say "building the .deb (scripts/bundle.sh $*)"
deb=$(bash scripts/bundle.sh "$@") || die "scripts/bundle.sh failed"
[ -f "$deb" ] || die "scripts/bundle.sh printed '$deb', which is not a file"
say "$deb: $(du -h "$deb" | cut -f1)"

# --- control fields --------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
check "Package is keepsake (got '$(field Package)')" [ "$(field Package)" = keepsake ]
check "Version is $version (got '$(field Version)')" [ "$(field Version)" = "$version" ]
check "Architecture is amd64 (got '$(field Architecture)')" [ "$(field Architecture)" = amd64 ]
check "Description mentions iPhone" grep -q iPhone <<<"$(field Description)"
depends=$(field Depends)
say "Depends: $depends"
dep_names=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//' | sed '/^$/d' | sort -u)
for p in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libusb-1.0-0; do
  check "Depends names $p" grep -qx "$p" <<<"$dep_names"
done
check "Recommends usbmuxd (got '$(field Recommends)')" grep -qw usbmuxd <<<"$(field Recommends)"

# --- contents ----------------------------------------------------------------------------------
# the package's files (not its folders), without tar's leading "./"
contents=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./||')
for f in usr/bin/keepsake-app usr/bin/keepsake usr/share/applications/Keepsake.desktop \
  usr/share/icons/hicolor/32x32/apps/keepsake-app.png \
  usr/share/icons/hicolor/128x128/apps/keepsake-app.png \
  usr/share/icons/hicolor/512x512/apps/keepsake-app.png; do
  check "contains /$f" grep -qx -- "$f" <<<"$contents"
done
stray=$(grep -v -x -e 'usr/bin/keepsake' -e 'usr/bin/keepsake-app' -e 'usr/share/applications/Keepsake\.desktop' \
  -e 'usr/share/icons/hicolor/[0-9x@]*/apps/keepsake-app\.png' <<<"$contents" || true)
check "holds the two programs, the desktop entry and icons, nothing else${stray:+ (also: $stray)}" [ -z "$stray" ]

extract=$work/extract
dpkg-deb -x "$deb" "$extract"
desktop=$extract/usr/share/applications/Keepsake.desktop
if [ -f "$desktop" ]; then
  for line in "Name=Keepsake" "Exec=keepsake-app" "Icon=keepsake-app" "Type=Application" "Terminal=false"; do
    check "desktop entry has $line" grep -qx "$line" "$desktop"
  done
  check "desktop entry is in the Utility category" grep -q '^Categories=.*Utility' "$desktop"
fi

# Every shared library the two binaries load comes from a package the .deb depends on, directly
# or through those packages' own dependencies (dpkg-shlibdeps maps the libraries to packages).
mkdir -p "$work/shlibs/debian"
printf 'Source: keepsake\n\nPackage: keepsake\nArchitecture: any\n' >"$work/shlibs/debian/control"
needed=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$extract/usr/bin/keepsake-app" "$extract/usr/bin/keepsake" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sed '/^$/d' | sort -u)
[ -n "$needed" ] || bad "dpkg-shlibdeps found no libraries for the binaries"
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $dep_names 2>/dev/null |
  sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: <\{0,1\}\([^>]*\)>\{0,1\}$/\2/p; /^[^ ]/p' | sed 's/:any$//' | sort -u)
for p in $needed; do
  check "the library package $p is covered by Depends" grep -qx "$p" <<<"$closure"
done

# --- a real install ----------------------------------------------------------------------------
say "installing $deb with apt-get"
installed=1
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$deb" >"$work/apt-install.log" 2>&1 ||
  { cat "$work/apt-install.log" >&2; die "apt-get install of the .deb failed"; }
check "dpkg says keepsake $version is installed" \
  [ "$(dpkg-query -W -f='${Status} ${Version}' keepsake)" = "install ok installed $version" ]
check "/usr/bin/keepsake-app is executable" [ -x /usr/bin/keepsake-app ]
# The app embeds ui/dist (its custom-protocol feature, on by default, in debug builds too), the
# one this checkout built (a `tauri dev` build would load the Vite dev server instead; a stale
# one would show an old UI). Note: in a checkout where someone rebuilds
# ui/dist while this runs, the names differ and this fails: run it alone.
assets=(ui/dist/assets/*)
((${#assets[@]} > 0)) && [ -e "${assets[0]}" ] || bad "ui/dist/assets is empty after the build"
for a in "${assets[@]}"; do
  check "the installed app embeds the UI's ${a#ui/dist/}" grep -aqF "/${a#ui/dist/}" /usr/bin/keepsake-app
done
cli_version=$(/usr/bin/keepsake --version 2>&1) || bad "/usr/bin/keepsake --version failed: $cli_version"
check "/usr/bin/keepsake --version prints $version (got '$cli_version')" grep -q "$version" <<<"$cli_version"
check "/usr/bin/keepsake --help works" bash -c '/usr/bin/keepsake --help >/dev/null'

# The installed app starts: under a fresh Xvfb, with a throwaway HOME (its settings, snapshots
# config and autostart entry go there), it is still running after a few seconds and its window
# shows something other than a blank screen.
home=$work/home
mkdir -p "$home/run" && chmod 700 "$home/run"
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1100x720x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
display=:$(head -n1 "$work/display")
[ "$display" != ":" ] || die "Xvfb did not report a display number ($(cat "$work/xvfb.log"))"
setsid env -i PATH=/usr/bin:/bin HOME="$home" DISPLAY="$display" \
  XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache" \
  XDG_RUNTIME_DIR="$home/run" \
  /usr/bin/keepsake-app >"$work/app.log" 2>&1 &
app_pid=$!
sleep 8
if kill -0 "$app_pid" 2>/dev/null; then
  ok "the installed keepsake-app is still running after 8 s"
  mkdir -p test-artifacts
  DISPLAY=$display import -window root test-artifacts/deb-installed-app.png
  colours=$(DISPLAY=$display import -window root -format '%k' info:)
  check "the installed app's window is drawn ($colours colours on screen; screenshot: test-artifacts/deb-installed-app.png)" [ "$colours" -gt 10 ]
else
  wait "$app_pid" && rc=0 || rc=$?
  bad "the installed keepsake-app exited within 8 s (status $rc): $(tail -n 20 "$work/app.log")"
fi
kill -TERM -- "-$app_pid" 2>/dev/null || true
sleep 0.5
kill -KILL -- "-$app_pid" 2>/dev/null || true
app_pid=""
kill "$xvfb_pid" 2>/dev/null || true
xvfb_pid=""

# --- removal -----------------------------------------------------------------------------------
say "removing the package"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq keepsake >"$work/apt-remove.log" 2>&1 ||
  { cat "$work/apt-remove.log" >&2; die "apt-get remove keepsake failed"; }
installed=0
check "apt-get remove took /usr/bin/keepsake away" [ ! -e /usr/bin/keepsake ]
check "apt-get remove took /usr/bin/keepsake-app away" [ ! -e /usr/bin/keepsake-app ]
check "apt-get remove took the desktop entry away" [ ! -e /usr/share/applications/Keepsake.desktop ]

if ((failures)); then
  say "$failures check(s) failed"
  exit 1
fi
say "all checks passed ($deb)"
