# shellcheck shell=bash
# Sourced by the cost benches (dormant_cost.sh, owner_cost.sh): an echo server in a namespace
# across a veth, bursts of connections to it from this host (local sockets, so the cgroup hooks
# run), and a pinned program's bpf_stats.

# echo_server NS ADDR: port 8080 in namespace NS answers 100 bytes to each connection and closes;
# sets ECHO_PID (the caller kills it on exit).
echo_server() {
	ip netns exec "$1" python3 - "$2" <<'PY' &
import asyncio, sys
async def handle(r, w):
    await r.read(100); w.write(b"x" * 100); await w.drain(); w.close()
async def main():
    await asyncio.start_server(handle, sys.argv[1], 8080, backlog=4096)
    await asyncio.sleep(3600)
asyncio.run(main())
PY
	ECHO_PID=$!
	sleep 1
}

# connection_burst ADDR N CONCURRENCY: N connections to ADDR:8080, CONCURRENCY at a time; prints wall seconds.
connection_burst() {
	python3 - "$1" "$2" "$3" <<'PY'
import asyncio, sys, time
addr, n, c = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
async def one(sem):
    async with sem:
        r, w = await asyncio.open_connection(addr, 8080)
        w.write(b"y" * 10); await w.drain()
        await r.read(1000); w.close(); await w.wait_closed()
async def main():
    sem = asyncio.Semaphore(c)
    t = time.monotonic()
    await asyncio.gather(*(one(sem) for _ in range(n)))
    print(time.monotonic() - t)
asyncio.run(main())
PY
}

# prog_stat PIN: "run_time_ns run_cnt" of a pinned program (kernel.bpf_stats_enabled=1).
prog_stat() {
	bpftool -j prog show pinned "$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_time_ns",0), p.get("run_cnt",0))'
}
