# Shared by the scripts: start the stack's programs on free ports and stop them on exit.
# Source it, set $bin (the build's bin path) and $work (a scratch folder), then call start.

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for pid in "${pids[@]}"; do rm -f "/dev/shm/malloc-counter.$pid"; done
    rm -rf "$work"
}

# COUNT_ALLOCATIONS=1: the programs that start runs have scripts/malloc-counter.c preloaded, and
# `client bench` prints their allocations per operation next to their CPU time (which then
# includes the counter's own small cost).
# CPU time (user + system) a process has used, in clock ticks (getconf CLK_TCK per second).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
malloc_counter() {
    local library=.build/malloc-counter.so
    if [ ! -f "$library" ] || [ scripts/malloc-counter.c -nt "$library" ]; then
        mkdir -p .build
        cc -O2 -shared -fPIC -o "$library" scripts/malloc-counter.c
    fi
    echo "$PWD/$library"
}
trap stop_all EXIT INT TERM

# start NAME ARGS...: runs a program of $bin on port 0 with its log prefixed on stderr, and sets
# $port to the port it announced ("listening on ...") and $pid to its process id.
start() {
    local name=$1; shift
    local log="$work/$name.log" preload=""
    if [ -n "${COUNT_ALLOCATIONS:-}" ]; then preload=$(malloc_counter); fi
    PORT=0 LD_PRELOAD="$preload" "$bin/$name" "$@" 2>"$log" &
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

# start_redis_server: a real redis-server on a free port; sets $redis_port and $redis_pid.
start_redis_server() {
    redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --maxclients 30000 >"$work/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
}

# start_redis: redis-server when it is installed, else mock-redis; sets $redis_port, $redis_url
# and $redis_pid (empty for mock-redis).
start_redis() {
    if command -v redis-server >/dev/null; then
        start_redis_server
        echo "redis: redis-server $(redis-server --version | grep -oE 'v=[0-9.]+')" >&2
    else
        LOG_LEVEL=info start mock-redis
        redis_port=$port
        redis_pid=""
    fi
    redis_url="redis://127.0.0.1:$redis_port"
}
