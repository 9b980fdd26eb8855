#!/usr/bin/env bash
# Packs what the GPU benchmark needs on a machine without Node or internet into .carry/gpu (git-ignored,
# ~33 MB): Node 22 (xz), the benchmark bundled into one ESM file (esbuild; `webgpu` kept external),
# webgpu's index.js + dawn.node (xz), torchRef.py; and the Vulkan loader debs into .gl/.
# Run from anywhere inside the repo after `pnpm install && pnpm build`. See README.md for the command there.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
out=.carry/gpu
rm -rf "$out"
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
node_bin=$(node -p 'process.execPath')
node -e 'if (+process.versions.node.split(".")[0] < 22) { console.error("pack.sh: need Node >= 22 on PATH"); process.exit(1) }'
xz -T0 -6 -c "$node_bin" > "$out/node.xz"
tools/bench/node_modules/.bin/esbuild tools/bench/gpu/gpu.bench.ts --bundle --platform=node --format=esm --target=node22 \
  --external:webgpu --log-level=warning --outfile="$out/gpu.bench.mjs"
wg=$(cd tools/bench && node -p 'require("node:path").dirname(require.resolve("webgpu/package.json"))')
cp "$wg/index.js" "$wg/package.json" "$out/node_modules/webgpu/"
xz -T0 -6 -c "$wg/dist/linux-x64/dawn.node" > "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
cp tools/bench/gpu/torchRef.py "$out/"
# Vulkan loader (the device README's recipe): libvulkan1 and friends as amd64 debs in .gl/
if ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >> "$(git rev-parse --git-common-dir)/info/exclude"
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi
du -sh "$out" .gl
