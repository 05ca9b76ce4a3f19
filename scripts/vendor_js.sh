#!/usr/bin/env bash
# Reproduce static/vendor/ from pinned npm tarballs (no CDN at run time).
#
# Documentation / reproduction only: the build does not run this script; the
# vendored files are committed. Needs node + npm and access to the npm registry.
# Each tarball's integrity is checked against the sha512 recorded in
# static/vendor/VERSIONS.md before anything is copied.
#
# Usage: scripts/vendor_js.sh            (from anywhere inside the repo)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/static/vendor"

LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
ECHARTS_VERSION="5.6.0"
ECHARTS_INTEGRITY="sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
HTMX_VERSION="2.0.11"
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch NAME VERSION INTEGRITY -> extracts the tarball into $WORK/NAME/package
fetch() {
    local name="$1" version="$2" integrity="$3" tgz actual
    mkdir -p "$WORK/$name"
    tgz="$(cd "$WORK/$name" && npm pack --silent "$name@$version" | tail -n 1)"
    actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$name/$tgz" | base64 -w 0)"
    if [[ "$actual" != "$integrity" ]]; then
        echo "integrity mismatch for $name@$version: got $actual, want $integrity" >&2
        exit 1
    fi
    tar -xzf "$WORK/$name/$tgz" -C "$WORK/$name"
}

fetch leaflet "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY"
fetch echarts "$ECHARTS_VERSION" "$ECHARTS_INTEGRITY"
fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY"

rm -rf "$DEST/leaflet" "$DEST/echarts" "$DEST/htmx"
mkdir -p "$DEST/leaflet/images" "$DEST/echarts" "$DEST/htmx"

# leaflet: the built bundle, its stylesheet, marker/layer images, licence
P="$WORK/leaflet/package"
cp "$P/dist/leaflet.js" "$P/dist/leaflet.css" "$DEST/leaflet/"
cp "$P"/dist/images/* "$DEST/leaflet/images/"
cp "$P/LICENSE" "$DEST/leaflet/LICENSE"

# echarts: the full minified UMD bundle, licence and Apache NOTICE
P="$WORK/echarts/package"
cp "$P/dist/echarts.min.js" "$DEST/echarts/"
cp "$P/LICENSE" "$DEST/echarts/LICENSE"
if [[ -f "$P/NOTICE" ]]; then cp "$P/NOTICE" "$DEST/echarts/NOTICE"; fi

# htmx: the minified build and licence
P="$WORK/htmx.org/package"
cp "$P/dist/htmx.min.js" "$DEST/htmx/"
cp "$P/LICENSE" "$DEST/htmx/LICENSE"

echo "vendored into $DEST:"
(cd "$DEST" && find leaflet echarts htmx -type f | sort)
