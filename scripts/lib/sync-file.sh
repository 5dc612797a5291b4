# shellcheck shell=bash
# Reading syncs/NAME.sync: KEY=value lines read as data, never sourced or evaluated.

SYNC_KEYS="SOURCE TYPE OBJECT_TYPE QUERY SCHEDULE SCHEMA CHANGED_ONLY API_URL NULLS BATCH_SIZE RATE MAX_ATTEMPTS MAX_REJECT_PERCENT MAX_RETRY_RUNS EVENT_ID"

# load_sync NAME: sets S_<KEY> for every key of syncs/NAME.sync, with defaults; dies on errors.
load_sync() {
  local name=$1 file line key value
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die 2 "sync name '$name' must be letters, digits, '.', '_' or '-'"
  file="$SYNC_HOME/syncs/$name.sync"
  [ -f "$file" ] || die 2 "no sync '$name' (expected $file)"
  for key in $SYNC_KEYS; do printf -v "S_$key" '%s' ""; done
  # shellcheck disable=SC2034  # the S_ variables are read by lib/run.sh
  S_CHANGED_ONLY=1
  # shellcheck disable=SC2034
  S_NULLS=skip
  # shellcheck disable=SC2034
  S_MAX_REJECT_PERCENT=100
  # shellcheck disable=SC2034
  S_MAX_RETRY_RUNS=10
  local n=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*([A-Z_]+)=(.*)$ ]] || die 2 "$file:$n: expected KEY=value, got '$line'"
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    # One pair of surrounding quotes is removed; nothing inside is interpreted.
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [[ " $SYNC_KEYS " == *" $key "* ]] || die 2 "$file:$n: unknown key '$key' (known: $SYNC_KEYS)"
    printf -v "S_$key" '%s' "$value"
  done <"$file"
  validate_sync "$file"
}

validate_sync() {
  local file=$1
  [ -n "$S_SOURCE" ] || die 2 "$file: SOURCE is required"
  [ -n "$S_QUERY" ] || die 2 "$file: QUERY is required (path of the .sql file)"
  case "$S_TYPE" in
    contacts|events) ;;
    objects) [ -n "$S_OBJECT_TYPE" ] || die 2 "$file: TYPE=objects needs OBJECT_TYPE" ;;
    *) die 2 "$file: TYPE must be contacts, objects or events, got '$S_TYPE'" ;;
  esac
  case "$S_SCHEDULE" in ""|15m|1h|6h|1d) ;; *) die 2 "$file: SCHEDULE must be 15m, 1h, 6h or 1d, got '$S_SCHEDULE'" ;; esac
  case "$S_CHANGED_ONLY" in 0|1) ;; *) die 2 "$file: CHANGED_ONLY must be 0 or 1" ;; esac
  if ! [[ $S_MAX_REJECT_PERCENT =~ ^[0-9]{1,3}$ ]] || [ "$S_MAX_REJECT_PERCENT" -lt 1 ] || [ "$S_MAX_REJECT_PERCENT" -gt 100 ]; then
    die 2 "$file: MAX_REJECT_PERCENT must be a whole number from 1 to 100, got '$S_MAX_REJECT_PERCENT'"
  fi
  if ! [[ $S_MAX_RETRY_RUNS =~ ^[0-9]{1,4}$ ]] || [ "$S_MAX_RETRY_RUNS" -lt 1 ]; then
    die 2 "$file: MAX_RETRY_RUNS must be a whole number of runs, 1 or more, got '$S_MAX_RETRY_RUNS'"
  fi
  case "$S_EVENT_ID" in ""|column|derive) ;; *) die 2 "$file: EVENT_ID must be 'column' (the default) or 'derive', got '$S_EVENT_ID'" ;; esac
  # Secrets come from the environment or files, never from the sync file.
  if [[ $S_SOURCE =~ ://[^/@]*:[^/@]*@ || $S_SOURCE =~ [Pp]assword= || $S_SOURCE =~ [Pp][Ww][Dd]= ]]; then
    die 2 "$file: SOURCE holds a password; put it in WH_PASSWORD, PGPASSWORD or a password file instead"
  fi
  S_QUERY=$(resolve_path "$S_QUERY")
  [ -f "$S_QUERY" ] || die 2 "$file: query file '$S_QUERY' not found"
  if [ -n "$S_SCHEMA" ]; then
    S_SCHEMA=$(resolve_path "$S_SCHEMA")
    [ -f "$S_SCHEMA" ] || die 2 "$file: schema file '$S_SCHEMA' not found"
  fi
  if [[ $S_SOURCE == sqlite:* ]]; then
    local db=${S_SOURCE#sqlite:}
    S_SOURCE="sqlite:$(resolve_path "$db")"
  fi
}

# Paths in a sync file are relative to the syncs/ folder.
resolve_path() {
  case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$SYNC_HOME/syncs/$1" ;; esac
}

# schedule_seconds 15m|1h|6h|1d
schedule_seconds() {
  case "$1" in 15m) echo 900 ;; 1h) echo 3600 ;; 6h) echo 21600 ;; 1d) echo 86400 ;; *) echo 0 ;; esac
}
