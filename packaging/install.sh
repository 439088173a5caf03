#!/bin/sh
# Installs a prebuilt ssox (Linux x86_64/aarch64, macOS Intel/Apple silicon) with its man
# pages and shell completions, from a release's archives, after checking the archive against
# the release's SHA256SUMS:
#
#   curl -fsSL https://github.com/OWNER/ssox/releases/download/vVERSION/install.sh | sh
#   sh install.sh [--prefix DIR] [--base-url URL] [--version VERSION]
#
# --prefix     where to install (default ~/.local): DIR/bin/ssox, DIR/share/man/man1,
#              DIR/share/{bash-completion/completions,zsh/site-functions,fish/vendor_completions.d}
# --base-url   where the archives and SHA256SUMS are (default: the release of --version)
# --version    which release (default: the one this script came with)
#
# It installs nothing unless the checksum matches and the binary runs, and leaves nothing
# behind when it fails: files are staged beside their destinations and renamed into place
# only once every one of them is there. scripts/package fills in the two values below.
set -eu

version="@VERSION@"
repository="@REPOSITORY@"
prefix="${HOME:-}/.local"
base_url=""

say() { printf 'ssox-install: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    cat <<EOF
Installs ssox $version with its man pages and shell completions.

usage: sh install.sh [--prefix DIR] [--base-url URL] [--version VERSION]

  --prefix DIR      where to install (default ~/.local): DIR/bin/ssox, DIR/share/man/man1,
                    and the bash, zsh and fish completions under DIR/share
  --base-url URL    where the archives and SHA256SUMS are (default: the release of --version,
                    $repository/releases/download/v$version)
  --version VERSION which release to install (default: $version)
EOF
}

need_value() {
    if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) need_value "$@"; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#*=}"; shift ;;
        --base-url) need_value "$@"; base_url="$2"; shift 2 ;;
        --base-url=*) base_url="${1#*=}"; shift ;;
        --version) need_value "$@"; version="${2#v}"; shift 2 ;;
        --version=*) version="${1#*=}"; version="${version#v}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option '$1'; options: --prefix DIR, --base-url URL, --version VERSION" ;;
    esac
done
[ -n "$prefix" ] || die "no --prefix and no HOME; give --prefix DIR"
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
[ -n "$base_url" ] || base_url="$repository/releases/download/v$version"
base_url="${base_url%/}"

os="$(uname -s)"
arch="$(uname -m)"
if [ "$os" = Darwin ] && [ "$arch" = x86_64 ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64 # a shell under Rosetta on Apple silicon: the native binary is the right one
fi
case "$os/$arch" in
    Linux/x86_64 | Linux/amd64) target=x86_64-unknown-linux-musl ;;
    Linux/aarch64 | Linux/arm64) target=aarch64-unknown-linux-musl ;;
    Darwin/x86_64) target=x86_64-apple-darwin ;;
    Darwin/arm64 | Darwin/aarch64) target=aarch64-apple-darwin ;;
    *) die "no prebuilt ssox for $os $arch; build it from source: cargo install --locked --git $repository" ;;
esac
name="ssox-$version-$target"
archive="$name.tar.gz"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ssox-install.XXXXXX")" || die "cannot create a temporary directory"
staged="$tmp/staged"
created="$tmp/created"
: >"$staged"
: >"$created"
done_ok=0
cleanup() {
    if [ "$done_ok" != 1 ]; then
        # Remove what was staged, then the directories this run created (deepest first).
        while IFS= read -r f; do rm -f "$f"; done <"$staged"
        sort -r "$created" | while IFS= read -r d; do rmdir "$d" 2>/dev/null || true; done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

download() { # URL FILE
    case "$1" in https://*) proto="=https" ;; *) proto="=http,https" ;; esac
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --proto "$proto" --proto-redir "$proto" --connect-timeout 30 --max-time 600 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q --timeout=30 -O "$2" "$1"
    else
        die "needs curl or wget to download $1"
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d ' ' -f 1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | sed 's/^.*= *//'
    else
        die "needs sha256sum, shasum or openssl to check the download"
    fi
}

say "downloading $archive from $base_url"
download "$base_url/$archive" "$tmp/$archive" || die "could not download $base_url/$archive; nothing was installed"
download "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" || die "could not download $base_url/SHA256SUMS; nothing was installed"
expected="$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")"
[ -n "$expected" ] || die "SHA256SUMS has no line for $archive; nothing was installed"
actual="$(sha256 "$tmp/$archive")"
if [ "$expected" != "$actual" ]; then
    die "$archive does not match SHA256SUMS (expected $expected, got $actual): refusing to install it; nothing was installed"
fi

mkdir "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" || die "$archive is not a readable tar.gz archive; nothing was installed"
src="$tmp/x/$name"
[ -f "$src/ssox" ] || die "$archive has no $name/ssox; nothing was installed"
"$src/ssox" --version >/dev/null 2>&1 || die "the ssox in $archive does not run on this machine ($os $arch); nothing was installed"

mkdirs() { # DIR: create it and its missing parents, noting each one created
    [ -d "$1" ] && return 0
    mkdirs "$(dirname "$1")"
    mkdir "$1" || die "cannot create $1; nothing was installed"
    printf '%s\n' "$1" >>"$created"
}

# Stage every file beside its destination, then rename them all into place.
moves="$tmp/moves"
: >"$moves"
stage() { # SOURCE DEST MODE
    mkdirs "$(dirname "$2")"
    part="$2.ssox-install.$$"
    printf '%s\n' "$part" >>"$staged"
    if ! cp "$1" "$part" || ! chmod "$3" "$part"; then die "cannot write $part; nothing was installed"; fi
    printf '%s\n' "$2" >>"$moves"
}
stage "$src/ssox" "$prefix/bin/ssox" 755
for page in "$src"/man/*.1; do
    stage "$page" "$prefix/share/man/man1/$(basename "$page")" 644
done
stage "$src/completions/ssox.bash" "$prefix/share/bash-completion/completions/ssox" 644
stage "$src/completions/_ssox" "$prefix/share/zsh/site-functions/_ssox" 644
stage "$src/completions/ssox.fish" "$prefix/share/fish/vendor_completions.d/ssox.fish" 644
while IFS= read -r dest; do
    mv -f "$dest.ssox-install.$$" "$dest" || die "cannot move $dest into place"
done <"$moves"
done_ok=1

installed="$("$prefix/bin/ssox" --version 2>/dev/null || echo "ssox $version")"
say "installed $installed to $prefix/bin/ssox, with man pages in $prefix/share/man and bash, zsh and fish completions in $prefix/share"
case ":${PATH:-}:" in
    *":$prefix/bin:"*) ;;
    *) say "$prefix/bin is not on your PATH; add it (in ~/.profile, ~/.bashrc or ~/.zshrc): export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
case "$prefix" in
    /usr/local | /opt/homebrew) ;;
    *) say "zsh finds the completion with fpath+=($prefix/share/zsh/site-functions) before compinit" ;;
esac
say "next: ssox configure --start-url https://YOUR-PORTAL.awsapps.com/start --sso-region REGION"
