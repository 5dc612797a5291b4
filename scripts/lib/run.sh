# shellcheck shell=bash
# One run of a sync: lock, pipeline, conservation checks, commit, last_sync_time, history.

# run_sync NAME [MODE FILE]: MODE is extract (default), rows or records (replay of FILE).
run_sync() {
  local name=$1 mode=${2:-extract} input=${3:-}
  load_sync "$name"
  local state="$SYNC_HOME/state/$name"
  mkdir -p "$state/runs"
  exec {lock_fd}>"$state/lock"
  local start; start=$(date +%s)
  if ! flock -n "$lock_fd"; then
    append_history "$name" "$(jq -cn --arg run "skipped-$start" --arg start "$(iso "$start")" \
      '{"run": $run, "start": $start, "end": $start, "durationSeconds": 0, "status": "skipped", "reason": "the previous run is still running"}')"
    say "$name: the previous run is still running; this run is skipped"
    return 0
  fi
  local last=0
  [ -s "$state/last_sync_time" ] && last=$(cat "$state/last_sync_time")
  local run; run="$(date -u -d "@$start" +%Y%m%dT%H%M%SZ)-$$"
  local dir="$state/runs/$run"
  mkdir -p "$dir"
  [ "$mode" = extract ] && echo "$start" >"$state/last_start"
  say "$name: run $run ($mode, last_sync_time=$last)"
  local status=succeeded error=""
  if ! pipeline "$mode" "$input" "$last" "$state" "$run" "$dir"; then
    status=failed
    error=$(first_error "$dir")
  fi
  if [ "$status" = succeeded ]; then
    if ! error=$(check_counts "$dir" "$mode"); then
      status=failed
    elif ! "$CV_BIN/cv-dedupe" commit --state "$state/dedupe.db" --run "$run" --acks "$dir/acks.ndjson" --stats "$dir/commit.json" 2>"$dir/commit.log"; then
      status=failed
      error=$(tail -n 1 "$dir/commit.log")
    else
      [ "$mode" = extract ] && write_atomically "$state/last_sync_time" "$start"
      [ -s "$dir/rejects.ndjson" ] && status="partially failed"
    fi
  fi
  local end; end=$(date +%s)
  append_history "$name" "$(history_line "$run" "$start" "$end" "$status" "$last" "$dir" "$error" "$mode")"
  flock -u "$lock_fd"
  say "$name: $status$([ -n "$error" ] && printf ' (%s)' "$error")"
  [ "$status" != failed ]
}

# pipeline MODE INPUT LAST STATE RUN DIR: the four stages, or the last three or two for a replay.
pipeline() {
  local mode=$1 input=$2 last=$3 state=$4 run=$5 dir=$6
  local map_args=(--type "$S_TYPE" --rejects "$dir/rejects.ndjson" --stats "$dir/map.json" --nulls "$S_NULLS")
  [ -n "$S_OBJECT_TYPE" ] && map_args+=(--object-type "$S_OBJECT_TYPE")
  [ -n "$S_SCHEMA" ] && map_args+=(--schema "$S_SCHEMA")
  local dedupe_args=(--state "$state/dedupe.db" --run "$run" --rejects "$dir/rejects.ndjson" --stats "$dir/dedupe.json")
  [ "$S_CHANGED_ONLY" = 1 ] && dedupe_args+=(--changed-only)
  local load_args=(--acks "$dir/acks.ndjson" --rejects "$dir/rejects.ndjson" --stats "$dir/load.json")
  [ -n "$S_API_URL" ] && load_args+=(--api-url "$S_API_URL")
  [ -n "$S_BATCH_SIZE" ] && load_args+=(--batch-size "$S_BATCH_SIZE")
  [ -n "$S_RATE" ] && load_args+=(--rate "$S_RATE")
  [ -n "$S_MAX_ATTEMPTS" ] && load_args+=(--max-attempts "$S_MAX_ATTEMPTS")
  : >"$dir/acks.ndjson"
  local stages codes
  case "$mode" in
    extract)
      stages=(extract map dedupe load)
      WH_SOURCE="$S_SOURCE" "$CV_BIN/wh-extract" --query "$S_QUERY" --last-sync-time "$last" --stats "$dir/extract.json" 2>"$dir/extract.log" \
        | "$CV_BIN/cv-map" "${map_args[@]}" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log"
      codes=("${PIPESTATUS[@]}") ;;
    rows)
      stages=(map dedupe load)
      "$CV_BIN/cv-map" "${map_args[@]}" "$input" 2>"$dir/map.log" \
        | "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log"
      codes=("${PIPESTATUS[@]}") ;;
    records)
      stages=(dedupe load)
      "$CV_BIN/cv-dedupe" "${dedupe_args[@]}" "$input" 2>"$dir/dedupe.log" \
        | "$CV_BIN/cv-load" "${load_args[@]}" 2>"$dir/load.log"
      codes=("${PIPESTATUS[@]}") ;;
  esac
  local i failed=0
  : >"$dir/exit-status"
  for i in "${!stages[@]}"; do
    echo "${stages[$i]} ${codes[$i]}" >>"$dir/exit-status"
    [ "${codes[$i]}" = 0 ] || failed=1
  done
  return "$failed"
}

# first_error DIR: the last line of the first stage that exited non-zero (its error).
first_error() {
  local stage code
  while read -r stage code; do
    if [ "$code" != 0 ]; then
      tail -n 1 "$1/$stage.log" 2>/dev/null || echo "$stage exited $code"
      return
    fi
  done <"$1/exit-status"
  echo "a stage failed; see $1/*.log"
}

# check_counts DIR MODE: the conservation sums of DESIGN.md §2; a mismatch means a lost row.
check_counts() {
  local dir=$1 mode=$2
  local rows records map_rejects din dout dup unch merged drej lin acks lrej
  rows=$(stat_of "$dir/extract.json" rows)
  records=$(stat_of "$dir/map.json" records); map_rejects=$(stat_of "$dir/map.json" rejected)
  din=$(stat_of "$dir/dedupe.json" recordsIn); dout=$(stat_of "$dir/dedupe.json" recordsOut)
  dup=$(stat_of "$dir/dedupe.json" duplicates); unch=$(stat_of "$dir/dedupe.json" unchanged)
  merged=$(stat_of "$dir/dedupe.json" merged); drej=$(stat_of "$dir/dedupe.json" rejected)
  lin=$(stat_of "$dir/load.json" recordsIn); acks=$(stat_of "$dir/load.json" acks); lrej=$(stat_of "$dir/load.json" rejects)
  if [ "$mode" = extract ] && [ "$rows" != "$(stat_of "$dir/map.json" rows)" ]; then
    echo "conservation check failed: wh-extract wrote $rows rows, cv-map read $(stat_of "$dir/map.json" rows)"; return 1
  fi
  if [ "$mode" != records ]; then
    [ "$(stat_of "$dir/map.json" rows)" = $((records + map_rejects)) ] || { echo "conservation check failed: cv-map rows != records + rejects"; return 1; }
    [ "$records" = "$din" ] || { echo "conservation check failed: cv-map wrote $records records, cv-dedupe read $din"; return 1; }
  fi
  [ "$din" = $((dout + dup + unch + merged + drej)) ] || { echo "conservation check failed: cv-dedupe in != out + duplicates + unchanged + merged + rejected"; return 1; }
  [ "$dout" = "$lin" ] || { echo "conservation check failed: cv-dedupe wrote $dout records, cv-load read $lin"; return 1; }
  [ "$lin" = $((acks + lrej)) ] || { echo "conservation check failed: cv-load in != acks + rejects"; return 1; }
}

history_line() {
  local run=$1 start=$2 end=$3 status=$4 last=$5 dir=$6 error=$7 mode=$8
  jq -cn --arg run "$run" --arg start "$(iso "$start")" --arg finish "$(iso "$end")" --argjson duration $((end - start)) \
    --arg status "$status" --argjson last "$last" --arg mode "$mode" --arg error "$error" \
    --argjson rows "$(stat_of "$dir/extract.json" rows)" --argjson sent "$(stat_of "$dir/load.json" recordsIn)" \
    --argjson acks "$(stat_of "$dir/load.json" acks)" \
    --argjson failed $(( $(stat_of "$dir/map.json" rejected) + $(stat_of "$dir/dedupe.json" rejected) + $(stat_of "$dir/load.json" rejects) )) \
    --argjson dup "$(stat_of "$dir/dedupe.json" duplicates)" --argjson unch "$(stat_of "$dir/dedupe.json" unchanged)" \
    --argjson merged "$(stat_of "$dir/dedupe.json" merged)" \
    '{"run": $run, "start": $start, "end": $finish, "durationSeconds": $duration, "status": $status, "mode": $mode,
      "lastSyncTime": $last, "rowsExtracted": $rows, "recordsSent": $sent, "succeeded": $acks, "failed": $failed,
      "duplicatesSkipped": $dup, "unchangedSkipped": $unch, "merged": $merged} + (if $error == "" then {} else {"error": $error} end)'
}

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# write_atomically FILE VALUE: temp file, fsync, rename.
write_atomically() {
  local tmp="$1.tmp.$$"
  printf '%s\n' "$2" >"$tmp"
  sync "$tmp"
  mv -f "$tmp" "$1"
}
