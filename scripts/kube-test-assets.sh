#!/usr/bin/env bash
# Builds once and caches, outside the repository, a real kube-apiserver and etcd for the
# Kubernetes-mode tests (envtest style), then prints the environment that enables them:
#
#   eval "$(scripts/kube-test-assets.sh)"   # sets TEST_ASSET_KUBE_APISERVER and TEST_ASSET_ETCD
#   npx vitest run test/kube
#
# On Debian bookworm: etcd from `etcd-server`; kube-apiserver v1.20.2 from Debian's
# `kubernetes` source package with Debian's Go 1.19 (about 5 minutes on 2 cores). Its
# vendored modern-go/reflect2 1.0.1 does not build with Go 1.18+, so it is replaced by
# Debian's golang-github-modern-go-reflect2-dev 1.0.2. Note: 1.20 ignores CEL validation rules.
# Needs root (apt-get) the first time; later runs only print the cached paths.
set -euo pipefail

cache="${RINGMASTER_KUBE_ASSETS:-${XDG_CACHE_HOME:-$HOME/.cache}/ringmaster-kube-assets}"
bin="$cache/bin"
say() { echo "kube-test-assets: $*" >&2; }

if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
  echo "export TEST_ASSET_KUBE_APISERVER='$bin/kube-apiserver' TEST_ASSET_ETCD='$bin/etcd'"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then sudo=sudo; else sudo=; fi
mkdir -p "$bin" "$cache/src"

if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  say "adding Debian deb-src entries (for apt-get source kubernetes)"
  $sudo tee /etc/apt/sources.list.d/ringmaster-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
say "installing etcd-server, Go 1.19 and reflect2 1.0.2"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  etcd-server golang-1.19-go golang-github-modern-go-reflect2-dev dpkg-dev rsync make >/dev/null

cd "$cache/src"
if ! ls -d kubernetes-*/ >/dev/null 2>&1; then
  say "fetching the kubernetes source package"
  apt-get source -qq kubernetes >/dev/null
fi
src="$(ls -d "$cache"/src/kubernetes-*/ | head -1)"
cd "$src"
say "replacing vendored modern-go/reflect2 with Debian's 1.0.2"
rm -rf vendor/github.com/modern-go/reflect2
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 vendor/github.com/modern-go/reflect2
# Only the code is swapped: go.mod and vendor/modules.txt keep saying v1.0.1, which keeps
# vendoring consistent (Go does not hash vendored sources); a nested go.mod would not.
rm -f vendor/github.com/modern-go/reflect2/go.mod

say "building kube-apiserver with the project's own make (nice'd; several minutes)"
PATH="/usr/lib/go-1.19/bin:$PATH" GOCACHE="$cache/gocache" nice -n 19 make WHAT=cmd/kube-apiserver >&2
cp _output/bin/kube-apiserver "$bin/kube-apiserver"
cp "$(command -v etcd)" "$bin/etcd"
say "done: $bin"
echo "export TEST_ASSET_KUBE_APISERVER='$bin/kube-apiserver' TEST_ASSET_ETCD='$bin/etcd'"
