# shellcheck shell=bash
# What a run was is kept by cv-run (Sources/RunRecord, a typed history line): ids in run order,
# status, history, alerts, status and errors. These functions call it for the driver.

cv_run() { "$CV_BIN/cv-run" "$@"; }

# record_instant NAME STATUS WHY: a run that ended where it began: skipped (the previous run holds
# the lock) or failed (its sync file cannot run). Returns 0 when this is news (an alert is due),
# 1 when it repeats what the sync already said.
record_instant() {
  local state="$SYNC_HOME/state/$1" alert code=0
  alert="$state/alert.json"
  rm -f "$alert"
  cv_run instant --state "$state" --sync "$1" --status "$2" --why "${3#cv-sync: }" --alert-file "$alert" >/dev/null 2>&1 || code=$?
  [ "$code" = 3 ] || return 1
  notify "$1" "$alert"
  rm -f "$alert"
}

show_history() {
  local json=()
  [ "${2:-}" = --json ] && json=(--json)
  cv_run history --state "$SYNC_HOME/state/$1" "${json[@]}"
}

# show_errors NAME [RUN]: the run's rejects on stdout, a summary by code on stderr; a pruned run
# is said to be pruned, with its counts from the history.
show_errors() {
  local run=()
  [ -n "${2:-}" ] && run=(--run "$2")
  cv_run errors --state "$SYNC_HOME/state/$1" --sync "$1" "${run[@]}"
}
