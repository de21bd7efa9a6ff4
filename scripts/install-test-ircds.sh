#!/usr/bin/env bash
# The IRC servers of the test matrix that CONFLICT with each other in Debian (ircd-hybrid,
# ircd-irc2, ircd-ircu: only one can be apt-installed): fetch each and unpack it into its own tree,
# where the tests' helpers find it (test/helpers/ircd-debian-tree.ts). Their libraries, and m4
# (irc2 runs it over its config), are installed normally. Run as root (or with sudo available);
# `.ci/run` and the README's test command call it. Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get install -y -qq --no-install-recommends libltdl7 libgnutls30 zlib1g libcrypt1 m4 >/dev/null
IRCDS_DIR="${SWITCHBOARD_IRCDS_DIR:-/opt/switchboard-ircds}"
debs="$(mktemp -d)"; chmod 755 "$debs" # readable by apt's _apt user
for pkg in ircd-hybrid ircd-irc2 ircd-ircu; do
  [ -d "$IRCDS_DIR/$pkg/usr/sbin" ] && continue
  (cd "$debs" && apt-get download -qq "$pkg")
  $SUDO mkdir -p "$IRCDS_DIR/$pkg"
  $SUDO dpkg -x "$debs/${pkg}"_*.deb "$IRCDS_DIR/$pkg"
done
rm -rf "$debs"
