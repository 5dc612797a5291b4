# fish completion for cv-sync
set -l commands run preview due status metrics report schedule history errors reset replay retry check help
complete -c cv-sync -f
complete -c cv-sync -n "not __fish_seen_subcommand_from $commands" -a "$commands"
complete -c cv-sync -n "not __fish_seen_subcommand_from $commands" -l quiet -s q -d "nothing on success"
complete -c cv-sync -n "not __fish_seen_subcommand_from $commands" -l env-file -r -F -d "KEY=value secrets file"
complete -c cv-sync -n "__fish_seen_subcommand_from run preview history errors reset replay retry check" -a "(find (set -q CV_SYNC_HOME; and echo \$CV_SYNC_HOME; or echo .)/syncs -maxdepth 1 -name '*.sync' -printf '%f\n' 2>/dev/null | string replace -r '\.sync\$' '')"
complete -c cv-sync -n "__fish_seen_subcommand_from run" -l dry-run
complete -c cv-sync -n "__fish_seen_subcommand_from schedule" -l systemd
complete -c cv-sync -n "__fish_seen_subcommand_from history" -l json
complete -c cv-sync -n "__fish_seen_subcommand_from reset" -l yes
