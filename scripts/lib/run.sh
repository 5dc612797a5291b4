# shellcheck shell=bash
# One run of a sync: lock, pipeline, conservation checks, commit, last_sync_time, history.

# run_sync NAME [MODE FILE [manual]]: MODE is extract (default), rows or records (replay of
# FILE). Sets RUN_CODE: 0 (succeeded, partially_failed or skipped), 1 (failed) or 2
# (configuration error), and returns 0. The run path is called plainly, never under `||`, `&&`
# or `if`, which would turn set -e off for the whole function (scripts/lint checks it).
# With DRY_RUN=1 the pipeline runs on a copy of the state and sends nothing (dry_run_sync).
# shellcheck disable=SC2034  # RUN_CODE is read by cv-sync, which sources this file
RUN_CODE=0
run_sync() {
  local name=$1 mode=${2:-extract} input=${3:-} manual=${4:-}
  load_sync "$name"
  if [ "${DRY_RUN:-0}" = 1 ]; then dry_run_sync "$name" "$mode" "$input"; return 0; fi
  local state="$SYNC_HOME/state/$name" lock_fd
  if ! mkdir -p "$state/runs" 2>/dev/null || ! [ -w "$state" ] || ! { exec {lock_fd}>"$state/lock"; } 2>/dev/null; then
    shout "$name: cannot write the state folder $state: the user running cv-sync needs write access to it"
    RUN_CODE=2
    return 0
  fi
  local start; start=$(date +%s)
  if ! flock -n "$lock_fd"; then
    record_instant "$name" skipped "the previous run is still running" || true
    say "$name: the previous run is still running; this run is skipped"
    RUN_CODE=0
    return 0
  fi
  commit_interrupted_runs "$name" "$state"
  remove_dead_work "$state"
  # Ids come from the sync's run counter, in run order whatever the host clock does.
  local run
  if ! run=$(cv_run begin --state "$state" 2>&1); then
    shout "$name: cannot start a run: ${run##*cv-run: }"
    flock -u "$lock_fd"
    RUN_CODE=1
    return 0
  fi
  local dir="$state/runs/$run"
  local last status=succeeded error="" code=0
  last=$(stored_watermark "$state")
  if ! [[ $last =~ ^[0-9]{1,12}$ ]]; then
    status=failed code=2
    error="state/$name/last_sync_time holds '$(head -c 40 "$state/last_sync_time" | tr -cd '[:print:]')', not Unix seconds; fix it or run 'cv-sync reset $name --yes'"
    last=0
  fi
  if [ "$mode" = extract ] && [ -z "$manual" ] && ! echo "$start" 2>/dev/null >"$state/last_start"; then
    status=failed code=1 error="could not write $state/last_start (the schedule reads it)"
  fi
  # Preflight: what would make the run fail late fails it now, before anything is extracted.
  if [ "$code" = 0 ] && ! error=$(preflight "$state"); then status=failed code=2; fi
  if [ "$code" = 0 ] && ! load_api_key; then status=failed code=2 error=$KEY_ERROR; fi
  if [ "$code" = 0 ] && ! error=$(api_preflight); then status=failed code=1; fi
  if [ "$code" = 0 ]; then
    # Off a terminal a run prints just its summary line; the start goes to the log.
    if [ -t 2 ]; then say "$name: run $run ($mode, last_sync_time=$last)"; else log_line "$name: run $run ($mode, last_sync_time=$last)"; fi
    pipeline "$mode" "$input" "$last" "$state/dedupe.db" "$run" "$dir"
    if [ "$PIPELINE_FAILED" = 1 ]; then
      status=failed
      error=$(first_error "$dir")
      if grep -q ' 2$' "$dir/exit-status"; then code=2; fi
    fi
    if [ -s "$dir/stalled" ]; then status=failed error="stalled: $(cat "$dir/stalled")"; fi
    if [ -n "$CANCELLED" ]; then status=cancelled code=$CANCEL_STATUS error="cancelled by $CANCELLED; the acks received so far are committed"; fi
    # Acks are facts: whatever the run's outcome, what Conversion took is recorded, what it
    # refused for a retryable reason is queued, and what has no known outcome is sent again.
    if ! commit_run "$state" "$run" "$dir"; then
      status=failed
      error=${error:-$(last_message "$dir/commit.log")}
    fi
    if [ "$status" = succeeded ]; then
      local verdict watermark manual_flag=()
      [ -n "$manual" ] && manual_flag=(--manual)
      verdict=$(cv_run verdict --run-dir "$dir" --mode "$mode" --max-reject-percent "$S_MAX_REJECT_PERCENT" "${manual_flag[@]}") \
        || verdict=$'failed\t0\tcould not judge the run: cv-run verdict failed'
      IFS=$'\t' read -r status watermark error <<<"$verdict"
      if [ "$status" != failed ] && [ "$mode" = extract ]; then
        [ "$watermark" -gt 0 ] || watermark=$start
        if ! write_atomically "$state/last_sync_time" "$watermark"; then
          status=failed error="could not write $state/last_sync_time ($(disk_problem "$state"))"
        fi
      fi
    fi
  fi
  if [ "$status" = failed ] && [ "$code" = 0 ]; then code=1; fi
  finish_run "$name" "$state" "$run" "$status" "$start" "$mode" "$last" "$error" "$manual"
  if [ "$RECORDED" = 0 ] && [ "$code" = 0 ]; then code=1; fi
  flock -u "$lock_fd"
  RUN_CODE=$code
}

# finish_run NAME STATE RUN STATUS START MODE LAST ERROR MANUAL: the run's history line (cv-run
# record also prunes the run folders), its summary, and an alert when the sync's condition
# changed: only then does a run speak on stderr under --quiet, and NOTIFY_URL hear of it.
# Sets RECORDED to 1, or 0 when the history line could not be written.
RECORDED=1
finish_run() {
  local name=$1 state=$2 run=$3 status=$4 start=$5 mode=$6 last=$7 error=$8 manual=$9
  local alert="$state/runs/$run/alert.json" out flags=() code=0
  [ -n "$manual" ] && flags+=(--manual)
  out=$(cv_run record --state "$state" --sync "$name" --run "$run" --status "$status" --start "$start" \
    --end "$(date +%s)" --mode "$mode" --last-sync-time "$last" --error "$error" --keep-runs "$S_KEEP_RUNS" \
    --alert-file "$alert" "${flags[@]}" 2>&1) || code=$?
  # 3: recorded, and an alert is due.
  if [ "$code" != 0 ] && [ "$code" != 3 ]; then
    shout "$name: this run ($status) is not in the history: ${out##*cv-run: }"
    RECORDED=0
    return 0
  fi
  RECORDED=1
  local summary=${out%%$'\n'*} note
  if [ "$out" != "$summary" ]; then
    while IFS= read -r note; do say "$name: $note"; done <<<"${out#*$'\n'}"
  fi
  if [ "$code" = 3 ]; then
    shout "$summary"
    notify "$name" "$alert"
  else
    say "$summary"
  fi
  write_metrics
  push_metrics "$name" "$state/runs/$run"
}

# write_metrics: the home's Prometheus textfile (METRICS_FILE, from the environment or the env
# file), rewritten atomically after every run; a failure is said, never the run's.
write_metrics() {
  [ -n "${METRICS_FILE:-}" ] || return 0
  local name args=() out
  for name in $(all_syncs); do args+=(--sync "$name"); done
  if [ "$METRICS_FILE" = - ]; then cv_run metrics --home "$SYNC_HOME" "${args[@]}" --out -; return; fi
  out=$(cv_run metrics --home "$SYNC_HOME" "${args[@]}" --out "$METRICS_FILE" 2>&1) || shout "could not write METRICS_FILE: ${out##*cv-run: }"
  return 0
}

# push_metrics NAME RUN_DIR: the sync's metrics (the families of METRICS_FILE) to a Prometheus
# Pushgateway (PUSHGATEWAY_URL), the convention for batch jobs such as a CronJob's pod that is
# gone before any scrape. One group per sync, replaced by each run (PUT):
# /metrics/job/${PUSHGATEWAY_JOB:-cv-sync}/sync/NAME. A push that fails is said, never the run's
# outcome.
push_metrics() {
  local url=${PUSHGATEWAY_URL:-} job=${PUSHGATEWAY_JOB:-cv-sync} body="$2/metrics.prom" out
  [ -n "$url" ] || return 0
  if ! [[ $job =~ ^[A-Za-z0-9_.-]+$ ]]; then shout "$1: PUSHGATEWAY_JOB must be letters, digits, '.', '_' or '-'"; return 0; fi
  if ! out=$(cv_run metrics --home "$SYNC_HOME" --sync "$1" --out "$body" 2>&1); then
    shout "$1: could not push metrics: ${out##*cv-run: }"
    return 0
  fi
  if ! out=$(send_to_url "${url%/}/metrics/job/$job/sync/$1" "$body" -X PUT \
    -H 'Content-Type: text/plain; version=0.0.4' 2>&1); then
    shout "$1: could not push metrics to PUSHGATEWAY_URL: ${out##*curl: }"
  fi
  return 0
}

# disk_problem FOLDER: why a write there may have failed, for the message.
disk_problem() {
  local free
  free=$(df -P "$1" 2>/dev/null | awk 'NR == 2 { print $4 }')
  if [ "${free:-1}" = 0 ]; then echo "the disk is full"; else echo "the write failed"; fi
}

# notify NAME BODY_FILE: POSTs the alert cv-run wrote (Slack's "text", the history line) to
# NOTIFY_URL (sync file, else environment). The URL is a secret too (a webhook token), so curl
# reads it from a file descriptor, not argv. A notification that cannot be delivered is logged;
# it never changes the run's outcome.
notify() {
  [ -n "${S_NOTIFY_URL:-${NOTIFY_URL:-}}" ] || return 0
  [ -s "$2" ] || { shout "$1: NOTIFY_URL was not told: the alert's body could not be saved"; return 0; }
  command -v curl >/dev/null || { shout "$1: NOTIFY_URL is set but curl is not installed"; return 0; }
  if ! post_to_notify_url "$2" "$SYNC_HOME/state/$1/notify.log" --retry 3 --retry-delay 1 --retry-all-errors; then
    shout "$1: could not notify NOTIFY_URL: $(tail -n 1 "$SYNC_HOME/state/$1/notify.log")"
  fi
  return 0
}

# post_to_notify_url BODY_FILE ERROR_FILE [CURL_OPTION…]: POSTs the JSON in BODY_FILE to
# NOTIFY_URL (sync file, else environment); curl's message goes to ERROR_FILE. The URL is a
# secret (a webhook token): curl reads it from stdin, never from argv.
post_to_notify_url() {
  local body=$1 errors=$2
  shift 2
  send_to_url "${S_NOTIFY_URL:-${NOTIFY_URL:-}}" "$body" "$@" -H 'Content-Type: application/json' 2>"$errors"
}

# send_to_url URL BODY_FILE [CURL_OPTION…]: POSTs (or, with -X, sends) the file to URL, 10 s at
# most. URLs of webhooks and gateways may hold a token or password: curl reads the URL from its
# config on stdin, never from argv.
send_to_url() {
  local url=$1 body=$2
  shift 2
  printf 'url = "%s"\n' "${url//\"/%22}" | curl --silent --show-error --fail --max-time 10 "$@" --config - \
    --data-binary "@$body" -o /dev/null
}

# remove_dead_work STATE: spill folders of cv-dedupe processes that are gone (under the sync's
# lock no other run of it is alive; a killed one leaves its spill behind).
remove_dead_work() {
  local work pid
  for work in "$1"/dedupe.db.work.*; do
    [ -d "$work" ] || continue
    pid=${work##*.}
    kill -0 "$pid" 2>/dev/null && continue
    rm -rf "$work"
  done
}

# preflight STATE: the dedupe state opens and cv-map accepts the sync's mapping (schema,
# object type, NULLS); otherwise the reason, and the run fails before anything is extracted.
preflight() {
  local state=$1 out
  if [ -e "$state/dedupe.db" ] && ! out=$("$CV_BIN/cv-dedupe" check --state "$state/dedupe.db" 2>&1); then
    printf '%s\n' "${out##*cv-dedupe: }"
    return 1
  fi
  sync_map_args
  if ! out=$("$CV_BIN/cv-map" "${MAP_ARGS[@]}" </dev/null 2>&1 >/dev/null); then
    printf '%s\n' "${out##*cv-map: }"
    return 1
  fi
}

# api_preflight: one real request (an empty batch) before anything is extracted: a refused key,
# a URL that is not Conversion's API or a missing object type fails the run now, not after a
# whole extract that would only be queued. The API being down now does not: the run's own
# retries and the retry queue deal with that. Prints the reason when it fails.
api_preflight() {
  local args=(--check --preflight "${KEY_ARGS[@]}") out
  [ -n "$S_API_URL" ] && args+=(--api-url "$S_API_URL")
  [ "$S_TYPE" = objects ] && args+=(--object-type "$S_OBJECT_TYPE")
  out=$("$CV_BIN/cv-load" "${args[@]}" </dev/null 2>&1) && return 0
  out=$(printf '%s\n' "$out" | tail -n 1)
  printf '%s\n' "${out#cv-load: }"
  return 1
}

# record_invalid NAME PROBLEM: a sync that could not be run for its configuration, in its
# history (once while the problem stays the same). Returns 0 when that is news.
record_invalid() {
  mkdir -p "$SYNC_HOME/state/$1" 2>/dev/null || return 1
  record_instant "$1" failed "$2"
}

# stored_watermark STATE: what state/NAME/last_sync_time holds, without whitespace; 0 when it
# is missing or empty. The caller checks that it is Unix seconds.
stored_watermark() {
  if [ -s "$1/last_sync_time" ]; then tr -d '[:space:]' <"$1/last_sync_time"; else echo 0; fi
}

# on_signal NAME STATUS: a trapped SIGINT, SIGTERM or SIGHUP. The running stages are told to
# stop (wh-extract cancels its query, cv-load sends nothing more and writes every outcome it
# has); the run then commits its acks, is recorded as cancelled, and the driver exits STATUS.
CANCELLED=""
CANCEL_STATUS=0
STAGES_PID=""
on_signal() {
  [ -n "$CANCELLED" ] || { CANCELLED=$1; CANCEL_STATUS=$2; }
  say "$1 received: stopping the running stages"
  # Under set -e a failed pkill ends the driver: when systemd or `kill -- -PGID` signals the
  # whole group, the stages are already gone and pkill finds nothing to stop.
  if [ -n "$STAGES_PID" ]; then pkill -TERM -P "$STAGES_PID" 2>/dev/null || true; fi
  return 0
}

# sync_map_args: cv-map's arguments for the loaded sync (destination, schema, nulls), in MAP_ARGS.
MAP_ARGS=()
sync_map_args() {
  MAP_ARGS=(--type "$S_TYPE" --nulls "$S_NULLS")
  [ -n "$S_OBJECT_TYPE" ] && MAP_ARGS+=(--object-type "$S_OBJECT_TYPE")
  [ -n "$S_SCHEMA" ] && MAP_ARGS+=(--schema "$S_SCHEMA")
  return 0
}

# shellcheck disable=SC2030,SC2031  # CV_LOG_TIMESTAMPS is for the stages' subshells alone
# pipeline MODE INPUT LAST DB RUN DIR: the four stages, or the last three or two for a replay.
pipeline() {
  local mode=$1 input=$2 last=$3 db=$4 run=$5 dir=$6
  sync_map_args
  local map_args=("${MAP_ARGS[@]}" --rejects "$dir/rejects.ndjson" --stats "$dir/map.json")
  local dedupe_args=(--state "$db" --run "$run" --rejects "$dir/rejects.ndjson" --stats "$dir/dedupe.json" --retry-queue)
  [ "$S_CHANGED_ONLY" = 1 ] && dedupe_args+=(--changed-only)
  [ "$S_EVENT_ID" = derive ] && dedupe_args+=(--derive-event-ids)
  local load_args=(--acks "$dir/acks.ndjson" --rejects "$dir/rejects.ndjson" --stats "$dir/load.json" "${KEY_ARGS[@]}")
  sync_extract_args
  [ -n "$S_API_URL" ] && load_args+=(--api-url "$S_API_URL")
  [ -n "$S_BATCH_SIZE" ] && load_args+=(--batch-size "$S_BATCH_SIZE")
  [ -n "$S_RATE" ] && load_args+=(--rate "$S_RATE")
  [ -n "$S_BUDGET_URL" ] && load_args+=(--budget-url "$S_BUDGET_URL")
  [ -n "$S_MAX_ATTEMPTS" ] && load_args+=(--max-attempts "$S_MAX_ATTEMPTS")
  # A dry run's cv-load prints the requests it would send instead of sending them (to a file:
  # reopening /dev/stdout would truncate a log that cron appends to).
  local requests=1
  if [ "${DRY_RUN:-0}" = 1 ]; then load_args+=(--dry-run); exec {requests}>"$dir/requests.ndjson"; fi
  : >"$dir/acks.ndjson"
  # The stages' stderr goes to the run's logs (CV_LOG_TIMESTAMPS, in each stage's subshell): each
  # line with its time, and wh-extract's summary too (off a terminal extract.log stayed empty).
  local stages codes
  case "$mode" in
    extract)
      stages=(extract map dedupe load)
      (
      # Every stage's status is recorded, so a failed one must not end this subshell first.
      set +e
      export CV_LOG_TIMESTAMPS=1
      WH_SOURCE="$S_SOURCE" "$CV_BIN/wh-extract" "${EXTRACT_ARGS[@]}" --query "$S_QUERY" --last-sync-time "$last" --stats "$dir/extract.json" 2>"$dir/extract.log" \
        | "$CV_BIN/cv-map" "${map_args[@]}" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log" 1>&"$requests"
        echo "${PIPESTATUS[*]}" >"$dir/pipestatus") &
      ;;
    rows)
      stages=(map dedupe load)
      (
      # Every stage's status is recorded, so a failed one must not end this subshell first.
      set +e
      export CV_LOG_TIMESTAMPS=1
      "$CV_BIN/cv-map" "${map_args[@]}" "$input" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log" 1>&"$requests"
        echo "${PIPESTATUS[*]}" >"$dir/pipestatus") &
      ;;
    records)
      stages=(dedupe load)
      (
      # Every stage's status is recorded, so a failed one must not end this subshell first.
      set +e
      export CV_LOG_TIMESTAMPS=1
      "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" "$input" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log" 1>&"$requests"
        echo "${PIPESTATUS[*]}" >"$dir/pipestatus") &
      ;;
  esac
  # The stages run in the background so a signal to the driver is handled at once (bash runs
  # traps only between foreground commands); on_signal stops them, and this waits them out.
  STAGES_PID=$!
  if [ -t 2 ] && [ "$QUIET" = 0 ]; then
    show_progress "$dir" &
    local meter=$!
  fi
  local watchdog=""
  if [ "$S_STALL_TIMEOUT" -gt 0 ]; then
    stall_watch "$dir" "$S_STALL_TIMEOUT" &
    watchdog=$!
  fi
  # Stages must not outlive the driver, even one killed with SIGKILL: only the driver holds the
  # write end of this pipe, so the watcher reads end-of-file when it dies, without "finished" first.
  # (Started after the stages and the meter, so they do not hold it.) The watcher inherits set -e:
  # `read` fails at end-of-file, which is exactly when it must go on to stop the stages.
  local alive
  exec {alive}> >(word=""; read -r word || true; [ "$word" = finished ] || pkill -TERM -P "$STAGES_PID" 2>/dev/null)
  while kill -0 "$STAGES_PID" 2>/dev/null; do wait "$STAGES_PID" 2>/dev/null || true; done
  # In a subshell: a signal to the whole group (Ctrl-C, systemctl stop) has ended the watcher
  # too, and writing to its pipe would kill the driver with SIGPIPE before it records the run.
  (echo finished >&"$alive") 2>/dev/null || true
  exec {alive}>&-
  STAGES_PID=""
  if [ -n "$watchdog" ]; then kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true; fi
  # The meter alone, not its `sleep` as well: a subshell whose foreground child dies of a
  # signal prints "Terminated" after the progress line.
  if [ -n "${meter:-}" ]; then kill "$meter" 2>/dev/null || true; wait "$meter" 2>/dev/null || true; printf '\r\033[K' >&2; fi
  [ "$requests" = 1 ] || exec {requests}>&-
  read -r -a codes 2>/dev/null <"$dir/pipestatus" || codes=()
  while [ "${#codes[@]}" -lt "${#stages[@]}" ]; do codes+=(143); done
  local i failed=0
  : >"$dir/exit-status"
  for i in "${!stages[@]}"; do
    echo "${stages[$i]} ${codes[$i]}" >>"$dir/exit-status"
    [ "${codes[$i]}" = 0 ] || failed=1
  done
  PIPELINE_FAILED=$failed
}

# stall_watch DIR SECONDS: stops the stages when they made no progress for SECONDS (a stopped
# process, a hung socket): neither their reads and writes (/proc/PID/io) nor the run's files
# changed. It leaves the reason in DIR/stalled. A stopped stage gets SIGCONT to act on SIGTERM.
stall_watch() {
  local dir=$1 limit=$2 mark last="" still=0
  # It must not keep the sync's lock (inherited) if the driver is killed, nor outlive the stages.
  [ -z "${lock_fd:-}" ] || exec {lock_fd}>&-
  while sleep 1 && kill -0 "$STAGES_PID" 2>/dev/null; do
    mark=$(progress_mark "$dir")
    if [ "$mark" = "$last" ]; then still=$((still + 1)); else still=0 last=$mark; fi
    [ "$still" -ge "$limit" ] || continue
    echo "no progress for ${limit}s (STALL_TIMEOUT); the stages were stopped" >"$dir/stalled"
    pkill -TERM -P "$STAGES_PID" 2>/dev/null || true
    pkill -CONT -P "$STAGES_PID" 2>/dev/null || true
    return 0
  done
}

# progress_mark DIR: what changes while the stages make progress: their reads and writes (which
# include the run's files), else the run folder's size. Read with builtins: it runs every second
# of every run, and the seven processes a call started (pgrep, awk, du, cut) were CPU a resync on
# two cores could not spare.
progress_mark() {
  local pid children="" key value mark=""
  if ! read -r children 2>/dev/null <"/proc/$STAGES_PID/task/$STAGES_PID/children"; then
    [ -n "$children" ] || children=$(pgrep -P "$STAGES_PID" 2>/dev/null || true)
  fi
  for pid in $children; do
    while read -r key value; do
      case "$key" in rchar: | wchar:) mark+="$value " ;; esac
    done 2>/dev/null <"/proc/$pid/io" || true
  done
  if [ -n "$mark" ]; then printf '%s\n' "$mark"; else du -sb "$1" 2>/dev/null | cut -f1 || true; fi
}

# show_progress DIR: on a terminal, once a second, what the run has done so far.
show_progress() {
  local dir=$1 started=$SECONDS acks rejects seconds
  [ -z "${lock_fd:-}" ] || exec {lock_fd}>&-
  while sleep 1 && kill -0 "$STAGES_PID" 2>/dev/null; do
    acks=$(wc -l <"$dir/acks.ndjson" 2>/dev/null || echo 0)
    rejects=$(wc -l <"$dir/rejects.ndjson" 2>/dev/null || echo 0)
    seconds=$((SECONDS - started))
    printf '\r\033[Kcv-sync: %ss: %s acknowledged (%s/s), %s rejected' "$seconds" "$acks" "$((acks / (seconds > 0 ? seconds : 1)))" "$rejects" >&2
  done
}

# dry_run_sync NAME MODE INPUT: the whole pipeline against a copy of the dedupe state, in a
# scratch folder, with cv-load --dry-run: nothing is sent, committed, recorded or moved.
dry_run_sync() {
  local name=$1 mode=$2 input=$3
  local state="$SYNC_HOME/state/$name" last scratch run code=0 dry_lock
  # The lock keeps a real run from committing while the state is copied; a dry run records nothing.
  if [ -d "$state" ]; then
    exec {dry_lock}>"$state/lock"
    if ! flock -n "$dry_lock"; then
      say "$name: a run is in progress; try the dry run again when it is done"
      RUN_CODE=0
      return 0
    fi
  fi
  scratch=$(mktemp -d)
  TEMPORARY+=("$scratch")
  run="dry-run-$$"
  [ -f "$state/dedupe.db" ] && cp "$state/dedupe.db" "$scratch/dedupe.db"
  last=$(stored_watermark "$state")
  [[ $last =~ ^[0-9]{1,12}$ ]] || last=0
  say "$name: dry run ($mode, last_sync_time=$last); nothing is sent and no state moves"
  pipeline "$mode" "$input" "$last" "$scratch/dedupe.db" "$run" "$scratch"
  if [ "$PIPELINE_FAILED" = 1 ]; then
    shout "$name: dry run failed: $(first_error "$scratch")"
    code=1
    grep -q ' 2$' "$scratch/exit-status" 2>/dev/null && code=2
    rm -rf "$scratch"
    [ -z "${dry_lock:-}" ] || exec {dry_lock}>&-
    RUN_CODE=$code
    return 0
  fi
  # The counts, the column notes, then the first records as the API would receive them (stdout).
  local line first=1
  while IFS= read -r line; do
    if [ "$first" = 1 ] || [[ $line == "$name: "* ]]; then say "$line"; else printf '%s\n' "$line"; fi
    first=0
  done < <(cv_run report --run-dir "$scratch" --sync "$name" --kind dry-run --show "${DRY_RUN_SHOW:-5}")
  rm -rf "$scratch"
  [ -z "${dry_lock:-}" ] || exec {dry_lock}>&-
  # shellcheck disable=SC2034  # read by cv-sync
  RUN_CODE=0
}

# commit_run STATE RUN DIR: applies the run's acks and rejects to the dedupe state (when the
# run got as far as cv-dedupe); given-up records join the run's rejects.
commit_run() {
  local state=$1 run=$2 dir=$3
  local pending="$state/dedupe.db.pending/$run.bin"
  [ -e "$pending" ] || [ -e "$pending.tmp" ] || return 0
  [ -e "$dir/acks.ndjson" ] || : >"$dir/acks.ndjson"
  local rejects=()
  [ -e "$dir/rejects.ndjson" ] && rejects=(--rejects "$dir/rejects.ndjson")
  CV_LOG_TIMESTAMPS=1 "$CV_BIN/cv-dedupe" commit --state "$state/dedupe.db" --run "$run" --acks "$dir/acks.ndjson" "${rejects[@]}" \
    --max-retry-runs "$S_MAX_RETRY_RUNS" --gave-up "$dir/gave-up.ndjson" --stats "$dir/commit.json" 2>"$dir/commit.log" || return 1
  if [ -s "$dir/gave-up.ndjson" ]; then cat "$dir/gave-up.ndjson" >>"$dir/rejects.ndjson"; fi
}

# commit_interrupted_runs NAME STATE: a run whose driver was killed left its pending log
# behind; its acks are committed now and the run is recorded as interrupted.
commit_interrupted_runs() {
  local name=$1 state=$2 file run dir
  for file in "$state/dedupe.db.pending/"*.bin "$state/dedupe.db.pending/"*.bin.tmp; do
    [ -e "$file" ] || continue
    run=$(basename "$file"); run=${run%.tmp}; run=${run%.bin}
    dir="$state/runs/$run"
    mkdir -p "$dir"
    if commit_run "$state" "$run" "$dir" && cv_run interrupted --state "$state" --run "$run" --acks "$(wc -l <"$dir/acks.ndjson")"; then
      say "$name: run $run was interrupted; its $(wc -l <"$dir/acks.ndjson" | tr -d ' ') acks are now committed"
    else
      shout "$name: could not commit interrupted run $run: $(last_message "$dir/commit.log")"
    fi
  done
}

# first_error DIR: the error of the first stage that failed: its last message that is not usage
# boilerplate, or the signal that killed it.
first_error() {
  local stage code message tool
  while read -r stage code; do
    [ "$code" != 0 ] || continue
    tool=$(stage_tool "$stage")
    if [ "$code" -gt 128 ]; then
      echo "$tool was killed by SIG$(kill -l $((code - 128)) 2>/dev/null || echo "nal $((code - 128))")"
      return
    fi
    message=$(without_times "$1/$stage.log" | grep -v -E "^$tool: +(Help:|Usage:|See '|OPTIONS:|  )" | tail -n 1)
    echo "${message:-$tool exited $code}"
    return
  done <"$1/exit-status"
  echo "a stage failed; see $1/*.log"
}

# without_times LOG: a run's log without the time each line starts with (CV_LOG_TIMESTAMPS).
without_times() { sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z //' "$1" 2>/dev/null || true; }

# last_message LOG: a log's last line, without its time.
last_message() { without_times "$1" | tail -n 1; }

stage_tool() { case "$1" in extract) echo wh-extract ;; *) echo "cv-$1" ;; esac; }

# write_atomically FILE VALUE: temp file, fsync, rename; fails loudly.
write_atomically() {
  local tmp="$1.tmp.$$"
  # -T: onto a folder, plain mv would move the file into it and report success.
  if printf '%s\n' "$2" 2>/dev/null >"$tmp" && sync "$tmp" && mv -fT "$tmp" "$1"; then return 0; fi
  rm -f "$tmp"
  return 1
}
