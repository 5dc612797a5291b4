# shellcheck shell=bash
# One run of a sync: lock, pipeline, conservation checks, commit, last_sync_time, history.

# run_sync NAME [MODE FILE]: MODE is extract (default), rows or records (replay of FILE).
# Returns 0 (succeeded, partially_failed or skipped), 1 (failed) or 2 (configuration error).
# With DRY_RUN=1 the pipeline runs on a copy of the state and sends nothing (dry_run_sync).
run_sync() {
  local name=$1 mode=${2:-extract} input=${3:-}
  load_sync "$name"
  if [ "${DRY_RUN:-0}" = 1 ]; then dry_run_sync "$name" "$mode" "$input"; return; fi
  local state="$SYNC_HOME/state/$name" lock_fd
  if ! mkdir -p "$state/runs" 2>/dev/null || ! [ -w "$state" ] || ! { exec {lock_fd}>"$state/lock"; } 2>/dev/null; then
    shout "$name: cannot write the state folder $state: the user running cv-sync needs write access to it"
    return 2
  fi
  local start; start=$(date +%s)
  if ! flock -n "$lock_fd"; then
    instant_history "$name" "skipped-$start" skipped reason "the previous run is still running"
    say "$name: the previous run is still running; this run is skipped"
    return 0
  fi
  commit_interrupted_runs "$name" "$state"
  remove_dead_work "$state"
  # Sortable and unique even for two runs of one driver in the same second (retry, replay).
  local run; run="$(date -u +%Y%m%dT%H%M%S.%NZ)-$$"
  local dir="$state/runs/$run"
  mkdir -p "$dir"
  local last status=succeeded error="" code=0
  last=$(stored_watermark "$state")
  if ! [[ $last =~ ^[0-9]{1,12}$ ]]; then
    status=failed code=2
    error="state/$name/last_sync_time holds '$(head -c 40 "$state/last_sync_time" | tr -cd '[:print:]')', not Unix seconds; fix it or run 'cv-sync reset $name --yes'"
    last=0
  fi
  if [ "$mode" = extract ] && ! echo "$start" 2>/dev/null >"$state/last_start"; then
    status=failed code=1 error="could not write $state/last_start (the schedule reads it)"
  fi
  # Preflight: what would make the run fail late fails it now, before anything is extracted.
  if [ "$code" = 0 ] && ! error=$(preflight "$state"); then status=failed code=2; fi
  if [ "$code" = 0 ] && ! load_api_key; then status=failed code=2 error=$KEY_ERROR; fi
  if [ "$code" = 0 ]; then
    # Off a terminal a run prints just its summary line; the start goes to the log.
    if [ -t 2 ]; then say "$name: run $run ($mode, last_sync_time=$last)"; else log_line "$name: run $run ($mode, last_sync_time=$last)"; fi
    if ! pipeline "$mode" "$input" "$last" "$state/dedupe.db" "$run" "$dir"; then
      status=failed
      error=$(first_error "$dir")
      grep -q ' 2$' "$dir/exit-status" && code=2
    fi
    if [ -n "$CANCELLED" ]; then status=cancelled code=$CANCEL_STATUS error="cancelled by $CANCELLED; the acks received so far are committed"; fi
    # Acks are facts: whatever the run's outcome, what Conversion took is recorded, what it
    # refused for a retryable reason is queued, and what has no known outcome is sent again.
    if ! commit_run "$state" "$run" "$dir"; then
      status=failed
      error=${error:-$(tail -n 1 "$dir/commit.log")}
    fi
    load_stats "$dir"
    if [ "$status" = succeeded ] && [ -z "$CANCELLED" ]; then
      if ! error=$(check_counts "$dir" "$mode"); then
        status=failed
      elif ! error=$(check_reject_share "$dir" "$mode"); then
        status=failed
      else
        if [ "$mode" = extract ]; then
          local watermark; watermark=$(stat_of "$dir/extract.json" startTime)
          [ "$watermark" -gt 0 ] || watermark=$start
          if ! write_atomically "$state/last_sync_time" "$watermark"; then
            status=failed error="could not write $state/last_sync_time"
          fi
        fi
        if [ "$status" = succeeded ] && [ -s "$dir/rejects.ndjson" ]; then status=partially_failed; fi
      fi
    fi
  fi
  [ "$status" = failed ] && [ "$code" = 0 ] && code=1
  local end line summary; end=$(date +%s)
  # One jq call makes both: the history line, then the summary (which may run over lines).
  summary=$(history_line "$run" "$start" "$end" "$status" "$last" "$dir" "$error" "$mode" "$name")
  line=${summary%%$'\n'*} summary=${summary#*$'\n'}
  # run_sync is called as `run_sync … || code=$?`, where bash ignores set -e: a write that
  # fails here must be checked by hand, or a run would look recorded when it is not.
  if ! append_history "$name" "$line" 2>/dev/null; then
    shout "$name: could not append to $state/history.ndjson: this run ($status) is not in the history"
    [ "$code" != 0 ] || code=1
  fi
  prune_runs "$state" "$S_KEEP_RUNS"
  flock -u "$lock_fd"
  report_columns "$name" "$dir"
  case "$status" in
    succeeded) say "$summary" ;;
    *) shout "$summary"; notify "$name" "$summary" "$line" ;;
  esac
  return "$code"
}

# shellcheck disable=SC2016  # jq's variables, not the shell's
# SUMMARY: the jq filter for the one line a run ends with, from its history line (given as
# `.`; $name is the sync's name).
SUMMARY='"\($name): \(.status) in \(.durationSeconds)s: \(.rowsExtracted) rows, \(.recordsSent) sent, \(.succeeded) succeeded, \(.failed) failed, \(.duplicatesSkipped) duplicates, \(.unchangedSkipped) unchanged"
    + (if (.ignoredColumns | length) > 0 then ", ignored columns: \(.ignoredColumns | join(", "))" else "" end)
    + (if .error then "; \(.error)" else "" end)
    + (if .failed > 0 then "; the errors: cv-sync errors \($name) \(.run)" else "" end)'

# notify NAME TEXT HISTORY_LINE: a JSON POST to NOTIFY_URL (sync file, else environment) when a
# run did not succeed: Slack's "text" plus the history line. The URL is a secret too (a webhook
# token), so curl reads it from a file descriptor, not argv. A notification that cannot be
# delivered is logged; it never changes the run's outcome.
notify() {
  local url=${S_NOTIFY_URL:-${NOTIFY_URL:-}}
  [ -n "$url" ] || return 0
  command -v curl >/dev/null || { shout "$1: NOTIFY_URL is set but curl is not installed"; return 0; }
  local body; body=$(jq -c --arg text "cv-sync on $(hostname): $2" --arg sync "$1" '{"text": $text, "sync": $sync, "run": .}' <<<"$3")
  if ! printf 'url = "%s"\n' "${url//\"/%22}" | curl --silent --show-error --fail --max-time 10 --retry 3 --retry-delay 1 --retry-all-errors \
    --config - -H 'Content-Type: application/json' --data-binary "$body" -o /dev/null 2>"$SYNC_HOME/state/$1/notify.log"; then
    shout "$1: could not notify NOTIFY_URL: $(tail -n 1 "$SYNC_HOME/state/$1/notify.log")"
  fi
  return 0
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

# prune_runs STATE KEEP: only the newest KEEP run folders stay (rejects, acks, logs); a run whose
# pending log is not committed yet is kept. The retry queue holds its own copy of every record,
# so pruning never loses a queued record.
prune_runs() {
  local state=$1 keep=$2 run
  find "$state/runs" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -r | tail -n +$((keep + 1)) | while IFS= read -r run; do
    [ -e "$state/dedupe.db.pending/$run.bin" ] || [ -e "$state/dedupe.db.pending/$run.bin.tmp" ] && continue
    rm -rf "${state:?}/runs/$run"
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

# record_invalid NAME PROBLEM: a sync that could not be run for its configuration, in its history.
record_invalid() {
  local name=$1
  mkdir -p "$SYNC_HOME/state/$name" 2>/dev/null || return 0
  instant_history "$name" "invalid-$(date -u +%Y%m%dT%H%M%S.%NZ)" failed error "${2#cv-sync: }" 2>/dev/null || true
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
  [ -n "$STAGES_PID" ] && pkill -TERM -P "$STAGES_PID" 2>/dev/null
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

# pipeline MODE INPUT LAST DB RUN DIR: the four stages, or the last three or two for a replay.
pipeline() {
  local mode=$1 input=$2 last=$3 db=$4 run=$5 dir=$6
  sync_map_args
  local map_args=("${MAP_ARGS[@]}" --rejects "$dir/rejects.ndjson" --stats "$dir/map.json")
  local dedupe_args=(--state "$db" --run "$run" --rejects "$dir/rejects.ndjson" --stats "$dir/dedupe.json" --retry-queue)
  [ "$S_CHANGED_ONLY" = 1 ] && dedupe_args+=(--changed-only)
  [ "$S_EVENT_ID" = derive ] && dedupe_args+=(--derive-event-ids)
  local load_args=(--acks "$dir/acks.ndjson" --rejects "$dir/rejects.ndjson" --stats "$dir/load.json")
  [ -n "$S_API_URL" ] && load_args+=(--api-url "$S_API_URL")
  [ -n "$S_BATCH_SIZE" ] && load_args+=(--batch-size "$S_BATCH_SIZE")
  [ -n "$S_RATE" ] && load_args+=(--rate "$S_RATE")
  [ -n "$S_MAX_ATTEMPTS" ] && load_args+=(--max-attempts "$S_MAX_ATTEMPTS")
  # A dry run's cv-load prints the requests it would send instead of sending them (to a file:
  # reopening /dev/stdout would truncate a log that cron appends to).
  local requests=1
  if [ "${DRY_RUN:-0}" = 1 ]; then load_args+=(--dry-run); exec {requests}>"$dir/requests.ndjson"; fi
  : >"$dir/acks.ndjson"
  local stages codes
  case "$mode" in
    extract)
      stages=(extract map dedupe load)
      (
      WH_SOURCE="$S_SOURCE" "$CV_BIN/wh-extract" --query "$S_QUERY" --last-sync-time "$last" --stats "$dir/extract.json" 2>"$dir/extract.log" \
        | "$CV_BIN/cv-map" "${map_args[@]}" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log" 1>&"$requests"
        echo "${PIPESTATUS[*]}" >"$dir/pipestatus") &
      ;;
    rows)
      stages=(map dedupe load)
      (
      "$CV_BIN/cv-map" "${map_args[@]}" "$input" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log" 1>&"$requests"
        echo "${PIPESTATUS[*]}" >"$dir/pipestatus") &
      ;;
    records)
      stages=(dedupe load)
      (
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
  # Stages must not outlive the driver, even one killed with SIGKILL: only the driver holds the
  # write end of this pipe, so the watcher reads end-of-file when it dies, without "finished" first.
  # (Started after the stages and the meter, so they do not hold it.) The watcher inherits set -e:
  # `read` fails at end-of-file, which is exactly when it must go on to stop the stages.
  local alive
  exec {alive}> >(word=""; read -r word || true; [ "$word" = finished ] || pkill -TERM -P "$STAGES_PID" 2>/dev/null)
  while kill -0 "$STAGES_PID" 2>/dev/null; do wait "$STAGES_PID" 2>/dev/null || true; done
  echo finished >&"$alive"
  exec {alive}>&-
  STAGES_PID=""
  if [ -n "${meter:-}" ]; then pkill -P "$meter" 2>/dev/null; kill "$meter" 2>/dev/null; wait "$meter" 2>/dev/null; printf '\r\033[K' >&2; fi
  [ "$requests" = 1 ] || exec {requests}>&-
  read -r -a codes <"$dir/pipestatus" 2>/dev/null || codes=()
  while [ "${#codes[@]}" -lt "${#stages[@]}" ]; do codes+=(143); done
  local i failed=0
  : >"$dir/exit-status"
  for i in "${!stages[@]}"; do
    echo "${stages[$i]} ${codes[$i]}" >>"$dir/exit-status"
    [ "${codes[$i]}" = 0 ] || failed=1
  done
  return "$failed"
}

# show_progress DIR: on a terminal, once a second, what the run has done so far.
show_progress() {
  local dir=$1 started=$SECONDS acks rejects seconds
  while sleep 1; do
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
    if ! flock -n "$dry_lock"; then say "$name: a run is in progress; try the dry run again when it is done"; return 0; fi
  fi
  scratch=$(mktemp -d)
  run="dry-run-$$"
  [ -f "$state/dedupe.db" ] && cp "$state/dedupe.db" "$scratch/dedupe.db"
  last=$(stored_watermark "$state")
  [[ $last =~ ^[0-9]{1,12}$ ]] || last=0
  say "$name: dry run ($mode, last_sync_time=$last); nothing is sent and no state moves"
  pipeline "$mode" "$input" "$last" "$scratch/dedupe.db" "$run" "$scratch" || code=$?
  if [ "$code" != 0 ]; then
    shout "$name: dry run failed: $(first_error "$scratch")"
    code=1
    grep -q ' 2$' "$scratch/exit-status" 2>/dev/null && code=2
    rm -rf "$scratch"
    [ -z "${dry_lock:-}" ] || exec {dry_lock}>&-
    return "$code"
  fi
  say "$name: $(stat_of "$scratch/extract.json" rows) rows, $(stat_of "$scratch/load.json" recordsIn) records would be sent in $(stat_of "$scratch/load.json" requests) requests; $(stat_of "$scratch/map.json" rejected) rows rejected, $(stat_of "$scratch/dedupe.json" duplicates) duplicates and $(stat_of "$scratch/dedupe.json" unchanged) unchanged records skipped"
  report_columns "$name" "$scratch"
  # The first records that would be sent, as the API would receive them.
  jq -c '.body | to_entries[0].value[]' "$scratch/requests.ndjson" 2>/dev/null | head -n "${DRY_RUN_SHOW:-5}"
  rm -rf "$scratch"
  [ -z "${dry_lock:-}" ] || exec {dry_lock}>&-
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
  "$CV_BIN/cv-dedupe" commit --state "$state/dedupe.db" --run "$run" --acks "$dir/acks.ndjson" "${rejects[@]}" \
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
    if commit_run "$state" "$run" "$dir"; then
      # The run id starts with its start time (20261201T170000.123Z-PID).
      local started="${run:0:4}-${run:4:2}-${run:6:2}T${run:9:2}:${run:11:2}:${run:13:2}Z"
      append_history "$name" "$(jq -cn --arg run "$run" --arg start "$started" --argjson acks "$(wc -l <"$dir/acks.ndjson")" \
        '{"run": $run, "start": $start, "status": "interrupted", "succeeded": $acks, "error": "the run was stopped before it finished; its acks were committed by the next run"}')"
      say "$name: run $run was interrupted; its $(wc -l <"$dir/acks.ndjson" | tr -d ' ') acks are now committed"
    else
      shout "$name: could not commit interrupted run $run: $(tail -n 1 "$dir/commit.log")"
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
    message=$(grep -v -E "^$tool: +(Help:|Usage:|See '|OPTIONS:|  )" "$1/$stage.log" 2>/dev/null | tail -n 1)
    echo "${message:-$tool exited $code}"
    return
  done <"$1/exit-status"
  echo "a stage failed; see $1/*.log"
}

stage_tool() { case "$1" in extract) echo wh-extract ;; *) echo "cv-$1" ;; esac; }

# check_counts DIR MODE: the conservation sums of the stage contracts; a mismatch means a lost row.
check_counts() {
  local dir=$1 mode=$2
  local rows records map_rejects din dout dup unch merged sup retried drej lin acks lrej
  rows=$(stat_of "$dir/extract.json" rows)
  records=$(stat_of "$dir/map.json" records); map_rejects=$(stat_of "$dir/map.json" rejected)
  din=$(stat_of "$dir/dedupe.json" recordsIn); dout=$(stat_of "$dir/dedupe.json" recordsOut)
  dup=$(stat_of "$dir/dedupe.json" duplicates); unch=$(stat_of "$dir/dedupe.json" unchanged)
  merged=$(stat_of "$dir/dedupe.json" merged); drej=$(stat_of "$dir/dedupe.json" rejected)
  sup=$(stat_of "$dir/dedupe.json" superseded); retried=$(stat_of "$dir/dedupe.json" retried)
  lin=$(stat_of "$dir/load.json" recordsIn); acks=$(stat_of "$dir/load.json" acks); lrej=$(stat_of "$dir/load.json" rejected)
  if [ "$mode" = extract ] && [ "$rows" != "$(stat_of "$dir/map.json" rows)" ]; then
    echo "conservation check failed: wh-extract wrote $rows rows, cv-map read $(stat_of "$dir/map.json" rows)"; return 1
  fi
  if [ "$mode" != records ]; then
    [ "$(stat_of "$dir/map.json" rows)" = $((records + map_rejects)) ] || { echo "conservation check failed: cv-map rows != records + rejects"; return 1; }
    [ "$records" = "$din" ] || { echo "conservation check failed: cv-map wrote $records records, cv-dedupe read $din"; return 1; }
  fi
  [ $((din + retried)) = $((dout + dup + unch + merged + sup + drej)) ] ||
    { echo "conservation check failed: cv-dedupe in + retried != out + duplicates + unchanged + merged + superseded + rejected"; return 1; }
  [ "$dout" = "$lin" ] || { echo "conservation check failed: cv-dedupe wrote $dout records, cv-load read $lin"; return 1; }
  [ "$lin" = $((acks + lrej)) ] || { echo "conservation check failed: cv-load in != acks + rejects"; return 1; }
}

# check_reject_share DIR MODE: a run in which MAX_REJECT_PERCENT or more of its own records
# were rejected fails (by default only one where everything was rejected): that is not about
# rows. Records retried from the queue and refused again count neither way.
check_reject_share() {
  local dir=$1 mode=$2 total rejected requeued=0
  if [ "$mode" = records ]; then total=$(stat_of "$dir/dedupe.json" recordsIn); else total=$(stat_of "$dir/map.json" rows); fi
  rejected=$(( $(stat_of "$dir/map.json" rejected) + $(stat_of "$dir/dedupe.json" rejected) + $(stat_of "$dir/load.json" rejected) ))
  if [ "$(stat_of "$dir/dedupe.json" retried)" -gt 0 ] && [ -s "$dir/rejects.ndjson" ]; then
    requeued=$(jq -c 'select(.stage == "load" and .input.retried == true) | 1' "$dir/rejects.ndjson" | wc -l)
  fi
  rejected=$((rejected - requeued))
  [ "$total" -gt 0 ] && [ "$rejected" -gt 0 ] || return 0
  if [ $((rejected * 100)) -ge $((S_MAX_REJECT_PERCENT * total)) ]; then
    echo "$rejected of $total records rejected ($((rejected * 100 / total))%), at or above MAX_REJECT_PERCENT=$S_MAX_REJECT_PERCENT; see 'cv-sync errors'"
    return 1
  fi
}

# report_columns NAME DIR: columns the mapping ignored or took despite their case, where the user looks.
report_columns() {
  local name=$1 dir=$2
  [ -s "$dir/map.json" ] || return 0
  [ "$(stat_json "$dir/map.json" ignoredColumns '[]')$(stat_json "$dir/map.json" foldedColumns '{}')" != '[]{}' ] || return 0
  # shellcheck disable=SC2016  # jq's variables, not the shell's
  jq -r --arg q "'" '. as $s
    | ((.foldedColumns // {}) | to_entries[] | "column \($q)\(.key)\($q) was taken as \($q)\(.value)\($q) (the warehouse changed its case)"),
      ((.ignoredColumns // [])[] | . as $c | (($s.ignoredColumnSuggestions // {})[$c] // null) as $hint
        | "column \($q)\($c)\($q) is ignored: no field of that name" + (if $hint then " (did you mean \($q)\($hint)\($q)?)" else "" end))' \
    "$dir/map.json" 2>/dev/null | while IFS= read -r line; do say "$name: $line"; done
}

# history_line RUN START END STATUS LAST DIR ERROR MODE NAME: the run's history line, then
# the summary it ends with.
history_line() {
  local run=$1 start=$2 end=$3 status=$4 last=$5 dir=$6 error=$7 mode=$8 name=$9
  jq -rn --arg name "$name" --arg run "$run" --arg start "$(iso "$start")" --arg finish "$(iso "$end")" --argjson duration $((end - start)) \
    --arg status "$status" --argjson last "$last" --arg mode "$mode" --arg error "$error" \
    --argjson rows "$(stat_of "$dir/extract.json" rows)" --argjson sent "$(stat_of "$dir/load.json" recordsIn)" \
    --argjson acks "$(stat_of "$dir/load.json" acks)" \
    --argjson failed $(( $(stat_of "$dir/map.json" rejected) + $(stat_of "$dir/dedupe.json" rejected) + $(stat_of "$dir/load.json" rejected) )) \
    --argjson dup "$(stat_of "$dir/dedupe.json" duplicates)" --argjson unch "$(stat_of "$dir/dedupe.json" unchanged)" \
    --argjson merged "$(stat_of "$dir/dedupe.json" merged)" --argjson retried "$(stat_of "$dir/dedupe.json" retried)" \
    --argjson queued "$(stat_of "$dir/commit.json" retryQueued)" --argjson gaveup "$(stat_of "$dir/commit.json" gaveUp)" \
    --argjson waiting "$(stat_of "$dir/commit.json" retryQueueSize)" \
    --argjson ignored "$(stat_json "$dir/map.json" ignoredColumns '[]')" \
    --argjson clock "$(stat_json "$dir/extract.json" clock '""')" \
    --argjson next "$(stat_of "$dir/extract.json" startTime)" \
    '{"run": $run, "start": $start, "end": $finish, "durationSeconds": $duration, "status": $status, "mode": $mode,
      "lastSyncTime": $last, "rowsExtracted": $rows, "recordsSent": $sent, "succeeded": $acks, "failed": $failed,
      "duplicatesSkipped": $dup, "unchangedSkipped": $unch, "merged": $merged, "retried": $retried,
      "retryQueued": $queued, "gaveUp": $gaveup, "retryQueueSize": $waiting, "ignoredColumns": $ignored}
      + (if $clock == "" then {} else {"watermark": $next, "clock": $clock} end)
      + (if $error == "" then {} else {"error": $error} end)
    | tojson, '"$SUMMARY"
}

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# write_atomically FILE VALUE: temp file, fsync, rename; fails loudly.
write_atomically() {
  local tmp="$1.tmp.$$"
  # -T: onto a folder, plain mv would move the file into it and report success.
  if printf '%s\n' "$2" 2>/dev/null >"$tmp" && sync "$tmp" && mv -fT "$tmp" "$1"; then return 0; fi
  rm -f "$tmp"
  return 1
}
