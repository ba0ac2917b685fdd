using System.Text;
using System.Text.Json;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `status --json`: what the table shows, as one JSON document for scripts. The names are
/// written here one by one, not derived from the C# types, so a rename in the code cannot change
/// the document: a field is only ever added (<see cref="SchemaVersion"/> counts incompatible
/// changes). Fields: docs/cli.md.
/// </summary>
public static class StatusJson
{
    public const int SchemaVersion = 1;

    public static void Write(TextWriter w, string instance, IReadOnlyList<InterfaceState> interfaces, ProbeCounters c,
        IReadOnlyList<(string Name, string State)> others)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(interfaces);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(others);
        // Relaxed: "0.1.0+abc" stays readable to grep; control characters and quotes are still escaped.
        using var stream = new MemoryStream();
        using (var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteNumber("schema", SchemaVersion);
            j.WriteString("version", BuildVersion.Text);
            j.WriteString("instance", instance);
            j.WriteString("transport", c.Transport);
            j.WriteNumber("ring_buffer_bytes", c.RingBufferBytes);
            j.WriteNumber("trace_buffer_kb_per_cpu", c.TraceBufferKbPerCpu);
            j.WriteString("trace_source", c.TraceSource);
            j.WriteString("transport_warning", c.TransportWarning);
            j.WriteString("tc_object", c.TcObject);
            Strings(j, "kernel_degradations", c.KernelDegradations);
            j.WriteString("lease", c.Lease);
            j.WriteString("attachment", c.Attachment);
            j.WriteStartArray("interfaces");
            foreach (var i in interfaces)
            {
                j.WriteStartObject();
                j.WriteString("name", i.Name);
                j.WriteNumber("ifindex", i.IfIndex);
                j.WriteString("state", i.OperState);
                j.WriteBoolean("attached", i.Attached);
                j.WriteNumber("records", i.Records);
                Strings(j, "addresses", i.Addresses);
                Strings(j, "foreign_filters", i.ForeignFilters);
                j.WriteNumber("half_open_dropped", i.HalfOpenDropped);
                j.WriteNumber("conns_dropped", i.ConnsDropped);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartObject("counters");
            j.WriteNumber("events", Interlocked.Read(ref c.EventsRead));
            j.WriteNumber("lines", Interlocked.Read(ref c.LinesRead));
            j.WriteNumber("records", Interlocked.Read(ref c.RecordsEmitted));
            j.WriteNumber("foreign", Interlocked.Read(ref c.ForeignLines));
            j.WriteNumber("malformed", Interlocked.Read(ref c.MalformedLines) + Interlocked.Read(ref c.MalformedEvents));
            j.WriteNumber("lost", Interlocked.Read(ref c.LostEvents));
            j.WriteNumber("channel_drops", Interlocked.Read(ref c.ChannelDrops));
            j.WriteNumber("swept", Interlocked.Read(ref c.Swept));
            j.WriteNumber("read_errors", Interlocked.Read(ref c.ReadErrors));
            j.WriteEndObject();
            j.WriteStartArray("other_instances");
            foreach (var (name, state) in others)
            {
                j.WriteStartObject();
                j.WriteString("name", name);
                j.WriteString("state", state);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        w.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Strings(Utf8JsonWriter j, string name, IEnumerable<string> values)
    {
        j.WriteStartArray(name);
        foreach (var v in values)
            j.WriteStringValue(v);
        j.WriteEndArray();
    }
}
