#!/usr/bin/env bash
# Copies the operator console's UI library from node_modules into console/vendor/, unchanged, with its licences:
# the page needs no build step and no CDN (README "Operator console"). Run after changing the pinned versions of
# preact or htm in package.json; test/unit/console-vendor.test.ts fails while the copies differ from the packages.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=console/vendor
mkdir -p "$dest"
# preact's ES module build (no imports) and htm's (a tagged-template `html` bound to preact's `h` in console/js)
cp node_modules/preact/dist/preact.module.js node_modules/preact/dist/preact.module.js.map "$dest/"
cp node_modules/preact/LICENSE "$dest/preact.LICENSE"
cp node_modules/htm/dist/htm.module.js "$dest/htm.module.js"
cp node_modules/htm/LICENSE "$dest/htm.LICENSE"
node -e '
  const v = (name) => require(`./node_modules/${name}/package.json`).version;
  console.log(`vendored preact ${v("preact")} and htm ${v("htm")} into console/vendor`);
'
