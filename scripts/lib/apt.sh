# Sourced by the install scripts, which define `log`: Debian packages through apt-get, as root or through sudo.

# Defines `as_root` for the calling script, or says why it cannot install and fails. $1 names what is being
# installed, for the messages; the other arguments are its packages.
apt_ready() {
  local what="$1"
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    log "$what is not installed and apt-get is not available: install it ($*) with your package manager, then run this again."
    return 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
  elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo "$@"; }
  else
    log "installing $what needs root, and sudo is not available. Run as root: apt-get update && apt-get install -y $*"
    return 1
  fi
}

# Installs the packages; when that fails (e.g. no package lists yet), refreshes the lists and tries once more.
apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  log "installing $* with apt-get..."
  if ! as_root "${apt[@]}" install -y -qq --no-install-recommends "$@" >&2; then
    log "the install failed; refreshing the package lists and trying again"
    as_root "${apt[@]}" update -qq >&2
    as_root "${apt[@]}" install -y -qq --no-install-recommends "$@" >&2
  fi
}
