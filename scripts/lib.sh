# Shared by the scripts: start the stack's programs on free ports and stop them on exit.
# Source it, set $bin (the build's bin path) and $work (a scratch folder), then call start.

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap stop_all EXIT INT TERM

# start NAME ARGS...: runs a program of $bin on port 0 with its log prefixed on stderr, and sets
# $port to the port it announced ("listening on ...") and $pid to its process id.
start() {
    local name=$1; shift
    local log="$work/$name.log"
    PORT=0 "$bin/$name" "$@" 2>"$log" &
    pid=$!
    pids+=("$pid")
    tail -n +1 -f --pid="$pid" "$log" | sed -u "s/^/[$name] /" >&2 &
    port=""
    for _ in $(seq 1 400); do
        port=$(grep -oE 'listening on [a-z]+://[^ ]+:[0-9]+' "$log" | grep -oE '[0-9]+$' | head -1 || true)
        if [ -n "$port" ]; then return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "$name did not start" >&2
    exit 1
}
