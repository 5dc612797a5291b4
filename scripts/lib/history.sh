# shellcheck shell=bash
# Run history: state/NAME/history.ndjson, one JSON object per run.

# The members of a run's --stats files, read by load_stats in one jq call: a run reads some
# thirty of them, and a jq process each cost more than the rest of a 1M-row resync's
# bookkeeping. Keys are "FILE|FIELD" for numbers, "FILE|FIELD|json" for other values (as
# compact JSON, which has no tab or newline in it); "FILE|" marks a file that was read.
declare -gA STATS=()

# load_stats DIR: caches the stats files of the run in DIR. Call it once they are final (after
# the commit); stat_of reads any file not cached (or changed since: never, in a run) itself.
load_stats() {
  STATS=()
  local files=() f key value
  for f in "$1"/{extract,map,dedupe,load,commit}.json; do [ -s "$f" ] && files+=("$f"); done
  [ ${#files[@]} -gt 0 ] || return 0
  # shellcheck disable=SC2016  # jq's variables, not the shell's
  while IFS=$'\t' read -r key value; do STATS[$key]=$value; done < <(jq -r 'input_filename as $f
    | ("\($f)|\t"), (to_entries[] | if .value | type == "number" then "\($f)|\(.key)\t\(.value)"
      else "\($f)|\(.key)|json\t\(.value | tojson)" end)' "${files[@]}")
}

# stat_json FILE FIELD DEFAULT: a member of a --stats file as compact JSON, DEFAULT when it is
# missing or null.
stat_json() {
  local value
  if [ -n "${STATS["$1|"]+cached}" ]; then
    value=${STATS["$1|$2|json"]:-${STATS["$1|$2"]:-null}}
  elif [ -s "$1" ]; then
    value=$(jq -c --arg f "$2" '.[$f]' "$1" 2>/dev/null) || value=null
  else
    value=null
  fi
  if [ "$value" = null ]; then echo "$3"; else echo "$value"; fi
}

# stat_of FILE FIELD: a number from a --stats file, 0 when missing.
stat_of() {
  if [ -n "${STATS["$1|"]+cached}" ]; then echo "${STATS["$1|$2"]:-0}"; return; fi
  [ -s "$1" ] || { echo 0; return; }
  jq -r --arg f "$2" '.[$f] // 0' "$1"
}

# append_history NAME JSON
append_history() {
  printf '%s\n' "$2" >>"$SYNC_HOME/state/$1/history.ndjson"
}

# instant_history NAME RUN STATUS KEY TEXT: the line of a run that ended where it began (skipped
# because the previous one still runs, or refused for its sync file), with KEY (reason, error).
instant_history() {
  append_history "$1" "$(jq -cn --arg run "$2" --arg start "$(iso "$(date +%s)")" --arg status "$3" --arg key "$4" --arg text "$5" \
    '{"run": $run, "start": $start, "end": $start, "durationSeconds": 0, "status": $status} + {($key): $text}')"
}

show_history() {
  local name=$1 json=${2:-} file="$SYNC_HOME/state/$1/history.ndjson"
  [ -f "$file" ] || { say "no runs of '$name' yet"; return 0; }
  # Lines are written when a run ends (an interrupted one by the next run): shown by start.
  if [ "$json" = --json ]; then jq -c -s 'sort_by(.start // "") | .[]' "$file"; return 0; fi
  {
    printf 'RUN\tSTART\tSECONDS\tSTATUS\tROWS\tSENT\tSUCCEEDED\tFAILED\tDUPLICATES\tUNCHANGED\tMERGED\tRETRIED\tQUEUED\tGAVE_UP\tERROR\n'
    jq -r -s 'sort_by(.start // "") | .[] | [.run, (.start // "-"), (.durationSeconds // 0), (.status | gsub(" "; "_")), (.rowsExtracted // 0),
            (.recordsSent // 0), (.succeeded // 0), (.failed // 0), (.duplicatesSkipped // 0), (.unchangedSkipped // 0),
            (.merged // 0), (.retried // 0), (.retryQueued // 0), (.gaveUp // 0), ((.error // .reason // "-") | .[0:100])] | @tsv' "$file"
  } | column -t -s $'\t'
}

# latest_history_line NAME: the history line of the sync's newest run by start that was not
# skipped (a skipped one only when nothing else ran); nothing when it never ran.
latest_history_line() {
  local file="$SYNC_HOME/state/$1/history.ndjson"
  [ -s "$file" ] || return 0
  jq -c -s 'sort_by(.start // "") | (map(select(.status != "skipped")) | last) // last' "$file" 2>/dev/null || true
}

# latest_run NAME: the id of the sync's newest run folder (ids sort by start), or exit 1.
latest_run() {
  local run
  run=$(find "$SYNC_HOME/state/$1/runs" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort | tail -n 1)
  [ -n "$run" ] || die 1 "no runs of '$1' yet"
  printf '%s\n' "$run"
}

# show_errors NAME [RUN]: the run's rejects as NDJSON on stdout, a summary by code on stderr.
# Without RUN, the newest run in the history that was not skipped, so a sync file or a
# warehouse that failed a run before any row shows that error.
show_errors() {
  local name=$1 run=${2:-}
  local dir="$SYNC_HOME/state/$name/runs" history="$SYNC_HOME/state/$name/history.ndjson" line
  if [ -z "$run" ]; then
    run=$(latest_history_line "$name" | jq -r '.run // empty')
    [ -n "$run" ] || run=$(latest_run "$name") || exit 1
  fi
  line=$(jq -c --arg run "$run" 'select(.run == $run)' "$history" 2>/dev/null | tail -n 1)
  [ -d "$dir/$run" ] || [ -n "$line" ] || die 1 "no run '$run' of '$name'"
  local file="$dir/$run/rejects.ndjson"
  if [ ! -s "$file" ]; then
    local error=""
    [ -z "$line" ] || error=$(jq -r '.error // empty' <<<"$line")
    if [ -n "$error" ]; then shout "run $run $(jq -r .status <<<"$line"): $error (it has no rejects)"; return 0; fi
    say "run $run: no errors"
    return 0
  fi
  cat "$file"
  say "run $run: $(wc -l <"$file") rejects"
  jq -r '"\(.stage) \(.code)"' "$file" | sort | uniq -c | sort -rn | while read -r count stage code; do
    say "  $count $stage $code"
  done
  [ -z "$line" ] || ! jq -e '.error' <<<"$line" >/dev/null || say "the run also failed: $(jq -r .error <<<"$line")"
}
