#!/usr/bin/env bash
# Builds the Keepsake Debian package (release): the desktop app `keepsake-app` with its menu entry
# and icons, plus the `keepsake` command line, in one .deb. Prints the .deb's path on stdout (the
# only thing this script prints there); progress goes to stderr.
#
#   bash scripts/bundle.sh            # then: sudo apt-get install ./target/release/bundle/deb/*.deb
#   CARGO_BUILD_JOBS=1 bash scripts/bundle.sh    # gentler on a busy machine
#   bash scripts/bundle.sh --debug    # packages the debug build already in target/debug (what
#                                     # `cargo build --workspace` made: the test suite's), no build
#
# Needs what scripts/setup.sh installs (the Tauri CLI comes from ui/node_modules, `npm ci`).
#
# Why it runs the Tauri CLI from src-tauri/ with a --config of absolute paths: the CLI insists that
# the folder holding tauri.conf.json also holds the app's Cargo.toml with a [package], but our
# tauri.conf.json sits at the repository root (shared with src-tauri/build.rs and
# generate_context!), next to the virtual workspace manifest, where `tauri build` stops with "No
# package info in the config file". src-tauri/tauri.conf.json is a symlink to the root config, so
# the CLI works from src-tauri/; it then resolves the config's relative paths against src-tauri/,
# so the paths are given again here, absolute, which both the CLI and the app's compile-time
# config (it receives the same override through TAURI_CONFIG) resolve the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
say() { printf 'bundle: %s\n' "$*" >&2; }
die() { printf 'bundle: error: %s\n' "$*" >&2; exit 1; }

tauri=$root/ui/node_modules/.bin/tauri
[ -x "$tauri" ] || die "the Tauri CLI is missing ($tauri); run scripts/setup.sh (it runs npm ci in ui/)"
[ -L src-tauri/tauri.conf.json ] || die "src-tauri/tauri.conf.json (a symlink to ../tauri.conf.json) is missing"

profile=release
case ${1:-} in
  --debug) profile=debug ;;
  "") ;;
  *) die "usage: scripts/bundle.sh [--debug]" ;;
esac

target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
deb_dir=$target_dir/$profile/bundle/deb
if [ $profile = debug ]; then
  for bin in keepsake-app keepsake; do
    [ -x "$target_dir/debug/$bin" ] || die "$target_dir/debug/$bin is missing: cargo build --workspace first"
  done
fi

override=$(mktemp --suffix=.json)
trap 'rm -f "$override"' EXIT
python3 - "$root" "$target_dir" "$override" "$profile" <<'EOF'
import json, sys
root, target, out, profile = sys.argv[1:5]
config = json.load(open(f"{root}/tauri.conf.json"))
config_dir_relative = lambda p: p if p.startswith("/") else f"{root}/{p}"
deb_files = config["bundle"]["linux"]["deb"].get("files", {})
override = {
    "build": {"frontendDist": config_dir_relative(config["build"]["frontendDist"])},
    "bundle": {
        "icon": [config_dir_relative(p) for p in config["bundle"]["icon"]],
        "linux": {"deb": {"files": {
            # target/release/... follows CARGO_TARGET_DIR when it is set, and the profile
            dest: (f"{target}/{profile}/" + src[len("target/release/"):]) if src.startswith("target/release/") else config_dir_relative(src)
            for dest, src in deb_files.items()
        }}},
    },
}
if profile == "debug":
    # the CLI is already built, by the same `cargo build` as the app
    override["build"]["beforeBundleCommand"] = "true"
json.dump(override, open(out, "w"), indent=1)
EOF

rm -f "$deb_dir"/*.deb
start=$SECONDS
if [ $profile = release ]; then
  say "tauri build --bundles deb (release: UI, keepsake-app, then keepsake-cli for /usr/bin/keepsake)"
  (cd src-tauri && "$tauri" build --ci --bundles deb --config "$override" -- --locked) >&2 \
    || die "tauri build failed (see above)"
else
  say "tauri bundle --debug --bundles deb (the debug build in $target_dir/debug, as it is)"
  (cd src-tauri && "$tauri" bundle --debug --ci --bundles deb --config "$override") >&2 \
    || die "tauri bundle failed (see above)"
fi
say "packaged in $((SECONDS - start)) s"

shopt -s nullglob
debs=("$deb_dir"/*.deb)
((${#debs[@]} == 1)) || die "expected one .deb in $deb_dir, found ${#debs[@]}"
printf '%s\n' "${debs[0]}"
