# shellcheck shell=bash
# Memory with MEMORY_RECORDS stored records: a fresh dashboard fed through its real ingest path,
# RSS once everything is stored and the process has settled. The fast way is a synthetic agent
# (hub method Publish, the remote-probe path); where the hub has no Publish, real connections
# through the attached probe until the history holds MEMORY_RECORDS rows (about a minute here).
run_memory() {
	local rss0 out method rss db rows
	dashboard_start mem NeTracker__Interfaces__0="$VETH"
	sleep 2
	rss0="$(rss_kb "$DASH_PID")"
	if out="$(dotnet "$BENCH_DLL" publish --hub "$DASH_URL/hubs/connections" --key "$API_KEY" \
		--count "$MEMORY_RECORDS" --batch 5000 --pace-stats "$DASH_URL/api/stats" 2>"$WORK/publish.err")"; then
		method="synthetic records published through the hub's agent path (Publish) into the real ingest, store and history, paced so the history writer keeps up"
	else
		say "memory: no Publish on the hub ($(tail -1 "$WORK/publish.err")); real connections instead"
		out="$(fill_with_connections)"
		method="real connections through the attached probe (connect/close at the highest rate), ingest, store and history"
	fi
	wait_stored
	rss="$(rss_kb "$DASH_PID")"
	rows="$(stat_value "$WORK/stats-mem.json" history.rows)"
	db="$(du -sk "$WORK/data-mem" | cut -f1)"
	record M 0 memory 0 "\"records\":${rows:-0},\"target\":$MEMORY_RECORDS,\"rss_mib\":$((rss / 1024)),\"rss_before_mib\":$((rss0 / 1024)),\"hwm_mib\":$(($(hwm_kb "$DASH_PID") / 1024)),\"data_dir_mib\":$((db / 1024)),\"feed\":$out,\"stats\":$(cat "$WORK/stats-mem.json"),\"method\":\"$method\""
	dashboard_stop
}

# Connect/close runs of 10 s until the history holds MEMORY_RECORDS rows (3 minutes at most).
fill_with_connections() {
	local made=0 t0 rows
	t0="$(now_ns)"
	while [ $(( ($(now_ns) - t0) / 1000000000 )) -lt 180 ]; do
		made=$((made + $("$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 10 | python3 -c 'import json,sys; print(json.load(sys.stdin)["connections"])')))
		fetch_stats "$WORK/stats-mem.json"
		rows="$(stat_value "$WORK/stats-mem.json" history.rows)"
		[ "${rows:-0}" -ge "$MEMORY_RECORDS" ] && break
		[ "$made" -ge $((MEMORY_RECORDS * 11 / 10)) ] && break
	done
	echo "{\"connections\":$made,\"seconds\":$(( ($(now_ns) - t0) / 1000000000 ))}"
}

# Ingest and the history writer finish in the background: nothing queued, RSS steady.
wait_stored() {
	local i last=0 rss queued
	for i in $(seq 1 90); do
		sleep 1
		fetch_stats "$WORK/stats-mem.json"
		queued="$(stat_value "$WORK/stats-mem.json" history.queued)"
		rss="$(rss_kb "$DASH_PID")"
		[ "${queued:-0}" -eq 0 ] && [ $((rss - last)) -lt $((last / 100 + 1)) ] && [ "$i" -ge 3 ] && return 0
		last="$rss"
	done
}
