# shellcheck shell=bash
# Reading syncs/NAME.sync: KEY=value lines read as data, never sourced or evaluated.

SYNC_KEYS="SOURCE TYPE OBJECT_TYPE QUERY SCHEDULE SCHEMA CHANGED_ONLY API_URL NULLS BATCH_SIZE RATE MAX_ATTEMPTS MAX_REJECT_PERCENT MAX_RETRY_RUNS EVENT_ID KEEP_RUNS NOTIFY_URL STALL_TIMEOUT API_KEY_FILE API_KEY_ENV PASSWORD_FILE TOKEN_FILE CREDENTIALS_FILE BUDGET_URL"

# read_kv_file FILE HANDLER: calls HANDLER FILE LINE_NUMBER KEY VALUE for every KEY=value line.
# Spaces around '=' and at the end, and a ' # comment', are not part of the value; "..." or '...'
# keep everything inside as it is; nothing is expanded or executed; a key may appear once.
read_kv_file() {
  local file=$1 handler=$2 line key value n=0 input
  local -A at=()
  exec {input}<"$file"
  while IFS= read -r -u "$input" line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=([[:space:]]*)(.*)$ ]] || die 2 "$file:$n: expected KEY=value, got '$line'"
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[3]}
    [ -z "${at[$key]:-}" ] || die 2 "$file:$n: $key is already set on line ${at[$key]}; a key may appear once"
    at[$key]=$n
    if [ -n "${BASH_REMATCH[2]}" ] && [[ $value == "#"* ]]; then
      value=""
    elif [[ $value == [\"\']* ]]; then
      local quote=${value:0:1} rest=${value:1} after
      [[ $rest == *"$quote"* ]] || die 2 "$file:$n: $key: the value opens a quote ($quote) that is never closed"
      after=${rest#*"$quote"}
      value=${rest%%"$quote"*}
      after=${after#"${after%%[![:space:]]*}"}
      [ -z "$after" ] || [[ $after == "#"* ]] || die 2 "$file:$n: $key: unexpected '$after' after the closing quote"
    else
      value=${value%%[[:space:]]#*}
      value=${value%"${value##*[![:space:]]}"}
    fi
    "$handler" "$file" "$n" "$key" "$value"
  done
  exec {input}<&-
}

# load_sync NAME: sets S_<KEY> for every key of syncs/NAME.sync, with defaults; dies on errors.
load_sync() {
  local name=${1%.sync} file key
  if reuse_loaded_sync "$name"; then return 0; fi
  declare -gA SYNC_LINES=()
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die 2 "sync name '$name' must be letters, digits, '.', '_' or '-'"
  file="$SYNC_HOME/syncs/$name.sync"
  [ -f "$file" ] || die 2 "no sync '$name' (expected $file)"
  [ -r "$file" ] || die 2 "cannot read $file"
  for key in $SYNC_KEYS; do printf -v "S_$key" '%s' ""; done
  # shellcheck disable=SC2034  # KEY_ARGS, the last sync's cv-load key options, is cv-sync's
  KEY_ARGS=()
  # shellcheck disable=SC2034  # the S_ variables are read by lib/run.sh
  S_CHANGED_ONLY=1 S_NULLS=skip S_MAX_REJECT_PERCENT=100 S_MAX_RETRY_RUNS=10 S_KEEP_RUNS=50 S_STALL_TIMEOUT=1800
  read_kv_file "$file" sync_key
  validate_sync "$file"
}

sync_key() {
  local file=$1 n=$2 key=$3 value=$4
  if [[ " $SYNC_KEYS " != *" $key "* ]]; then
    if [[ " $SYNC_KEYS " == *" ${key^^} "* ]]; then die 2 "$file:$n: unknown key '$key' (keys are upper case: ${key^^})"; fi
    die 2 "$file:$n: unknown key '$key' (known: $SYNC_KEYS)"
  fi
  SYNC_LINES[$key]=$n
  printf -v "S_$key" '%s' "$value"
}

# load_env_file FILE REQUIRED: KEY=value lines exported to the stages (secrets for unattended
# runs: cron and systemd start with an empty environment). Read as data, never sourced; refused
# unless only its owner, the user running cv-sync, can read it (or it is root's and closed to
# other users: a Kubernetes Secret's mount). A variable already set wins.
load_env_file() {
  local file=$1 required=$2 mode owner
  if [ ! -e "$file" ]; then
    [ "$required" = 1 ] && die 2 "env file '$file' not found"
    return 0
  fi
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then die 2 "cannot read the env file '$file'"; fi
  read -r mode owner < <(stat -L -c '%a %u' "$file")
  if [ "$owner" = 0 ] && [ "$(id -u)" != 0 ]; then
    # A Kubernetes Secret is mounted owned by root and readable by the pod's group (fsGroup):
    # root's, closed to other users, is as private as the user's own.
    (( (8#$mode & 8#007) == 0 )) || die 2 "env file '$file' can be read by any user (mode $mode); it holds secrets"
  else
    [ "$owner" = "$(id -u)" ] || die 2 "env file '$file' belongs to another user (uid $owner); it holds secrets: it must be yours"
    (( (8#$mode & 8#077) == 0 )) || die 2 "env file '$file' can be read by others (mode $mode); it holds secrets: chmod 600 '$file'"
  fi
  read_kv_file "$file" env_key
}

env_key() {
  local file=$1 n=$2 key=$3 value=$4
  case "$key" in
    S_*|BASH*|SHELLOPTS|IFS|ENV|PS4|LD_PRELOAD|ROOT|SYNC_HOME|DRY_RUN|DRY_RUN_SHOW|QUIET|CANCELLED|CANCEL_STATUS|STAGES_PID|KEY_ERROR|KEY_ARGS|EXTRACT_ARGS|MAP_ARGS)
      die 2 "$file:$n: $key cannot be set from an env file" ;;
  esac
  [ -n "${!key+set}" ] || export "$key=$value"
}

# bad KEY MESSAGE: a configuration error, at KEY's line of the sync file.
bad() {
  local key=$1; shift
  die 2 "$SYNC_FILE${SYNC_LINES[$key]:+:${SYNC_LINES[$key]}}: $*"
}

validate_sync() {
  local file=$1
  SYNC_FILE=$file
  [ -n "$S_SOURCE" ] || bad SOURCE "SOURCE is required"
  [ -n "$S_QUERY" ] || bad QUERY "QUERY is required (path of the .sql file)"
  case "$S_TYPE" in
    contacts|events) ;;
    objects) [ -n "$S_OBJECT_TYPE" ] || bad TYPE "TYPE=objects needs OBJECT_TYPE" ;;
    *) bad TYPE "TYPE must be contacts, objects or events, got '$S_TYPE'" ;;
  esac
  case "$S_SCHEDULE" in ""|15m|1h|6h|1d) ;; *) bad SCHEDULE "SCHEDULE must be 15m, 1h, 6h or 1d, got '$S_SCHEDULE'" ;; esac
  case "$S_CHANGED_ONLY" in 0|1) ;; *) bad CHANGED_ONLY "CHANGED_ONLY must be 0 or 1" ;; esac
  if ! [[ $S_MAX_REJECT_PERCENT =~ ^[0-9]{1,3}$ ]] || [ "$S_MAX_REJECT_PERCENT" -lt 1 ] || [ "$S_MAX_REJECT_PERCENT" -gt 100 ]; then
    bad MAX_REJECT_PERCENT "MAX_REJECT_PERCENT must be a whole number from 1 to 100, got '$S_MAX_REJECT_PERCENT'"
  fi
  if ! [[ $S_MAX_RETRY_RUNS =~ ^[0-9]{1,4}$ ]] || [ "$S_MAX_RETRY_RUNS" -lt 1 ]; then
    bad MAX_RETRY_RUNS "MAX_RETRY_RUNS must be a whole number of runs, 1 or more, got '$S_MAX_RETRY_RUNS'"
  fi
  case "$S_NULLS" in skip|clear) ;; *) bad NULLS "NULLS must be skip (a NULL leaves the field as it is) or clear (a NULL empties it), got '$S_NULLS'" ;; esac
  local limit=1000
  [ "$S_TYPE" = contacts ] || limit=200
  if [ -n "$S_BATCH_SIZE" ] && { ! [[ $S_BATCH_SIZE =~ ^[0-9]{1,4}$ ]] || [ "$S_BATCH_SIZE" -lt 1 ] || [ "$S_BATCH_SIZE" -gt "$limit" ]; }; then
    bad BATCH_SIZE "BATCH_SIZE must be a whole number from 1 to $limit (the API's limit for $S_TYPE), got '$S_BATCH_SIZE'"
  fi
  if [ -n "$S_RATE" ] && { ! [[ $S_RATE =~ ^[0-9]{0,2}(\.[0-9]{1,3})?$ ]] || [[ $S_RATE =~ ^0*(\.0*)?$ ]] || awk -v r="$S_RATE" 'BEGIN { exit !(r > 10) }'; }; then
    bad RATE "RATE must be requests per second, more than 0 and at most 10 (the API's limit), got '$S_RATE'"
  fi
  if [ -n "$S_MAX_ATTEMPTS" ] && { ! [[ $S_MAX_ATTEMPTS =~ ^[0-9]{1,2}$ ]] || [ "$S_MAX_ATTEMPTS" -lt 1 ] || [ "$S_MAX_ATTEMPTS" -gt 20 ]; }; then
    bad MAX_ATTEMPTS "MAX_ATTEMPTS must be a whole number from 1 to 20, got '$S_MAX_ATTEMPTS'"
  fi
  if ! [[ $S_STALL_TIMEOUT =~ ^[0-9]{1,7}$ ]]; then
    bad STALL_TIMEOUT "STALL_TIMEOUT must be whole seconds (0: never), got '$S_STALL_TIMEOUT'"
  fi
  if ! [[ $S_KEEP_RUNS =~ ^[0-9]{1,6}$ ]] || [ "$S_KEEP_RUNS" -lt 1 ]; then
    bad KEEP_RUNS "KEEP_RUNS must be a whole number of runs, 1 or more, got '$S_KEEP_RUNS'"
  fi
  local url
  for url in API_URL NOTIFY_URL; do
    local -n value_of="S_$url"
    if [ -n "$value_of" ] && ! [[ $value_of =~ ^https?://[^[:space:]]+$ ]]; then
      bad "$url" "$url must be an http:// or https:// URL, got '$value_of'"
    fi
    unset -n value_of
  done
  if [ -n "$S_BUDGET_URL" ]; then
    [[ $S_BUDGET_URL =~ ^redis://[^[:space:]]+$ ]] || bad BUDGET_URL "BUDGET_URL must be a redis://HOST[:PORT][/DB] URL"
    local authority=${S_BUDGET_URL#redis://}
    authority=${authority%%/*}
    if [[ $authority == *@* && ${authority%@*} == *:* ]]; then
      bad BUDGET_URL "BUDGET_URL holds a password; set REDISCLI_AUTH in the env file instead (the value is not repeated here)"
    fi
  fi
  case "$S_EVENT_ID" in ""|column|derive) ;; *) bad EVENT_ID "EVENT_ID must be 'column' (the default) or 'derive', got '$S_EVENT_ID'" ;; esac
  # Secrets come from the environment or files, never from the sync file. wh-extract parses the
  # source as the warehouse's own client would (libpq for PostgreSQL) and names the option.
  local refused
  if [ ! -x "$CV_BIN/wh-extract" ]; then
    bad SOURCE "cannot check SOURCE: $CV_BIN/wh-extract not found; build with 'make build' or set CV_BIN"
  elif ! refused=$(WH_SOURCE="$S_SOURCE" "$CV_BIN/wh-extract" --check-source 2>&1); then
    refused=${refused##*wh-extract: }
    case "$refused" in
      "the source holds a secret"*) bad SOURCE "SOURCE holds a password or token${refused#the source holds a secret}" ;;
      *) bad SOURCE "SOURCE: $refused" ;;
    esac
  fi
  validate_credentials
  S_QUERY=$(resolve_path "$S_QUERY")
  [ -f "$S_QUERY" ] || bad QUERY "query file '$S_QUERY' not found"
  [ -r "$S_QUERY" ] || bad QUERY "cannot read the query file '$S_QUERY'"
  if [ -n "$S_SCHEMA" ]; then
    S_SCHEMA=$(resolve_path "$S_SCHEMA")
    [ -f "$S_SCHEMA" ] || bad SCHEMA "schema file '$S_SCHEMA' not found"
    [ -r "$S_SCHEMA" ] || bad SCHEMA "cannot read the schema file '$S_SCHEMA'"
  fi
  if [[ $S_SOURCE == sqlite:* ]]; then
    local db=${S_SOURCE#sqlite:}
    S_SOURCE="sqlite:$(resolve_path "$db")"
  fi
}

# validate_credentials: the keys that say where this sync's secrets are (two syncs of one home
# may write to two workspaces from two warehouses). They name a file or a variable, never hold
# the secret: an API key is refused, and a file that is not there is not quoted (the value might
# be the secret itself). A file any user can read is refused, as ssh refuses a key.
validate_credentials() {
  if [ -n "$S_API_KEY_FILE" ] && [ -n "$S_API_KEY_ENV" ]; then
    bad API_KEY_ENV "API_KEY_FILE and API_KEY_ENV both name this sync's API key; keep one"
  fi
  local key mode
  for key in API_KEY_FILE API_KEY_ENV PASSWORD_FILE TOKEN_FILE CREDENTIALS_FILE; do
    local -n where="S_$key"
    if [ -z "$where" ]; then unset -n where; continue; fi
    if [[ $where == sk_live_* || $where == sk_test_* ]]; then
      bad "$key" "$key holds an API key; it must name where the key is, never hold it (the value is not repeated here)"
    fi
    if [ "$key" = API_KEY_ENV ]; then
      [[ $where =~ ^[A-Za-z_][A-Za-z0-9_]{0,127}$ ]] || bad "$key" "API_KEY_ENV must be the name of an environment variable (letters, digits, '_')"
    else
      where=$(resolve_path "$where")
      if ! [ -f "$where" ] || ! [ -r "$where" ]; then
        bad "$key" "$key names no readable file (relative paths start at syncs/; the value is not repeated, in case it is the secret itself)"
      fi
      mode=$(stat -L -c %a "$where")
      (( (8#$mode & 8#004) == 0 )) || bad "$key" "$key's file can be read by any user (mode $mode); it holds a secret: chmod o-r it"
    fi
    unset -n where
  done
}

# sync_extract_args: wh-extract's options for the sync's own warehouse secrets (files, so
# nothing secret in argv). Sets EXTRACT_ARGS.
sync_extract_args() {
  EXTRACT_ARGS=()
  [ -n "$S_PASSWORD_FILE" ] && EXTRACT_ARGS+=(--password-file "$S_PASSWORD_FILE")
  [ -n "$S_TOKEN_FILE" ] && EXTRACT_ARGS+=(--token-file "$S_TOKEN_FILE")
  [ -n "$S_CREDENTIALS_FILE" ] && EXTRACT_ARGS+=(--credentials "$S_CREDENTIALS_FILE")
  return 0
}

# Paths in a sync file are relative to the syncs/ folder.
resolve_path() {
  case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$SYNC_HOME/syncs/$1" ;; esac
}

# try_load_sync NAME: loads the sync like load_sync, but a broken sync file returns 1 with its
# message in SYNC_PROBLEM instead of ending the driver (due, status and schedule go on). It loads
# once, in a subshell (a `die` deep in the checks can only end that), and brings back what the
# load set as assignments; they are kept, so a later load of the same sync in this driver reads
# no file and starts no wh-extract --check-source again (three loads a run cost 60 ms before).
SYNC_PROBLEM=""
LOADED_MARK="--- cv-sync: loaded ---"
declare -gA LOADED_SYNCS=()
try_load_sync() {
  local name=${1%.sync} out
  if reuse_loaded_sync "$name"; then return 0; fi
  if ! out=$( (load_sync "$name" && printf '\n%s\n' "$LOADED_MARK" && loaded_assignments) 2>&1 ); then
    # shellcheck disable=SC2034  # read by cv-sync
    SYNC_PROBLEM=${out#cv-sync: }
    return 1
  fi
  local said=${out%%$'\n'"$LOADED_MARK"*}
  [ -z "$said" ] || printf '%s\n' "$said" >&2
  LOADED_SYNCS[$name]=${out#*"$LOADED_MARK"$'\n'}
  eval "${LOADED_SYNCS[$name]}"
}

# reuse_loaded_sync NAME: sets again what an earlier load of NAME in this driver set; 1 if none.
reuse_loaded_sync() {
  [ -n "${LOADED_SYNCS[$1]+set}" ] || return 1
  eval "${LOADED_SYNCS[$1]}"
}

# loaded_assignments: what load_sync set, as lines that set it again (global, quoted for eval).
loaded_assignments() {
  local v lines
  for v in "${!S_@}"; do printf '%s=%q\n' "$v" "${!v}"; done
  printf 'KEY_ARGS=(%s)\n' "${KEY_ARGS[*]@Q}"
  lines=$(declare -p SYNC_LINES)
  printf 'declare -gA %s\n' "${lines#declare -A }"
}
