#!/usr/bin/env bash
# The whole test suite: TypeScript tests (vitest: real models, photos, servers, SQLite, Chromium) and the training
# pipeline's Python tests. Debian packages the tests need are installed when running as root, else requested.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
/usr/bin/python3 -c 'import torch, torchvision, onnx, yaml' 2>/dev/null ||
  missing+=(python3-torch python3-torchvision python3-onnx python3-yaml libopenblas0-openmp)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages the tests need: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "Visage's tests need these Debian packages. Install them, then run the tests again:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

npm run --silent build
npx tsc -p tsconfig.json --noEmit
mkdir -p test-artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@"
/usr/bin/python3 -m unittest discover -s training/tests -t . -v
# One closing line for both runners' results.
node -e '
const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);'
