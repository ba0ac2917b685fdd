using System.Text.Json;
using NeTracker.Probe.Cli;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>`status --json`: one document, the same names every version (scripts read them).</summary>
public sealed class StatusJsonTests
{
    [Fact]
    public void The_document_parses_and_has_every_field_with_its_value()
    {
        var counters = new ProbeCounters { Transport = "ringbuf", RingBufferBytes = 4 << 20, TcObject = "full", Lease = "active, expires in 41 s", Attachment = "tcx links", LostEvents = 3, RecordsEmitted = 7 };
        InterfaceState[] interfaces =
        [
            new("veth-a", 9, "up", ["198.18.0.1/30"], Attached: true, ["pref 1 u32 \"x\""], Records: 12) { HalfOpenDropped = 5 },
        ];
        var w = new StringWriter();
        StatusJson.Write(w, "cli", interfaces, counters, [("old_1", "dormant since 2026-12-07T02:40:00Z")]);

        using var doc = JsonDocument.Parse(w.ToString());
        var root = doc.RootElement;
        Assert.Equal(["schema", "version", "instance", "transport", "ring_buffer_bytes", "trace_buffer_kb_per_cpu", "trace_source", "transport_warning",
            "tc_object", "kernel_degradations", "lease", "attachment", "interfaces", "counters", "other_instances"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(StatusJson.SchemaVersion, root.GetProperty("schema").GetInt32());
        Assert.Equal(BuildVersion.Text, root.GetProperty("version").GetString()); // "0.1.0+abc": the '+' as is
        Assert.Contains("+", w.ToString().Split('\n')[2], StringComparison.Ordinal);
        Assert.Equal("cli", root.GetProperty("instance").GetString());
        Assert.Equal(4 << 20, root.GetProperty("ring_buffer_bytes").GetInt64());
        Assert.Equal("active, expires in 41 s", root.GetProperty("lease").GetString());
        var i = Assert.Single(root.GetProperty("interfaces").EnumerateArray().ToList());
        Assert.Equal(["name", "ifindex", "state", "attached", "records", "addresses", "foreign_filters", "half_open_dropped", "conns_dropped"],
            i.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("veth-a", 9, true, 12, 5), (i.GetProperty("name").GetString(), i.GetProperty("ifindex").GetInt32(),
            i.GetProperty("attached").GetBoolean(), i.GetProperty("records").GetInt64(), i.GetProperty("half_open_dropped").GetInt64()));
        Assert.Equal("pref 1 u32 \"x\"", i.GetProperty("foreign_filters")[0].GetString());
        var c = root.GetProperty("counters");
        Assert.Equal(["events", "lines", "records", "foreign", "malformed", "lost", "channel_drops", "swept", "read_errors"], c.EnumerateObject().Select(p => p.Name));
        Assert.Equal((7, 3), (c.GetProperty("records").GetInt64(), c.GetProperty("lost").GetInt64()));
        Assert.Equal("old_1", root.GetProperty("other_instances")[0].GetProperty("name").GetString());
    }
}
