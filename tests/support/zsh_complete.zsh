#!/usr/bin/env zsh
# Prints what zsh's completion offers for a command line, one candidate a line, as a person
# pressing Tab would get it: zsh_complete.zsh DIR 'ssox login --sso-session '
# DIR holds the _ssox completion function; ZSH_COMPLETE_SETUP is run after compinit. An interactive zsh runs on a pseudo-terminal
# (zsh/zpty); compadd is wrapped so that every candidate added is also printed with a marker.
zmodload zsh/zpty || exit 2
dir=$1
line=$2
init=$(mktemp)
trap 'rm -f $init' EXIT
cat > $init <<EOF
PROMPT=
fpath=($dir \$fpath)
autoload -U compinit && compinit -u -D
bindkey '^I' complete-word
${ZSH_COMPLETE_SETUP:-:}
zstyle ':completion:*' insert-tab false
_ssox_test_end() { print -r -- '@@END'; exit }
comppostfuncs=(_ssox_test_end)
compadd() {
  # Calls that only collect matches (-O, -A, -D) add nothing to show.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "\$@"
    return
  fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  local h
  for h in \$__hits; do print -r -- $'\\n'"@@\$h"; done
  builtin compadd "\$@"
}
print -r -- '@@READY'
EOF
zpty z zsh -f -i
zpty -w z "source $init"
out=
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *@@READY* ]] && break
done
zpty -w -n z "$line"$'\t'
out=
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *@@END* ]] && break
done
zpty -d z
for l in ${(f)out}; do
  l=${l%$'\r'}
  [[ $l == @@* && $l != @@END* && $l != @@READY* ]] && print -r -- ${l#@@}
done
exit 0
