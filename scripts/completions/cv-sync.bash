# bash completion for cv-sync: commands, their options, and the names of the syncs in
# $CV_SYNC_HOME/syncs (default: the current folder).
_cv_sync() {
  local cur=${COMP_WORDS[COMP_CWORD]} commands="run preview due status metrics report schedule history errors reset replay retry check help"
  local i command=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      --env-file) ((i++)) ;;
      -*) ;;
      *) command=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ "${COMP_WORDS[COMP_CWORD - 1]}" = --env-file ]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return
  fi
  if [ -z "$command" ]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands --quiet --env-file --help" -- "$cur"); return
  fi
  local options="--help"
  case "$command" in
    run) options="--dry-run --help" ;;
    schedule) options="--systemd --help" ;;
    history|status) options="--json --help" ;;
    reset) options="--yes --help" ;;
  esac
  if [[ $cur == -* ]]; then mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur"); return; fi
  case "$command" in
    due|status|metrics|schedule|help) COMPREPLY=() ;;
    report) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    *)
      local syncs
      syncs=$(find "${CV_SYNC_HOME:-.}/syncs" -maxdepth 1 -name '*.sync' -printf '%f\n' 2>/dev/null | sed 's/\.sync$//')
      mapfile -t COMPREPLY < <(compgen -W "$syncs" -- "$cur") ;;
  esac
}
complete -F _cv_sync cv-sync
