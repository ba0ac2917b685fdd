using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using MessagePack;
using NeTracker.Probe.Model;
using NeTracker.Web.Hubs;

namespace NeTracker.Bench;

/// <summary>
/// The hub's per-record encoding alone, map form against compact form: the records in windows of
/// <see cref="Window"/> (the hub's message size), each window written into one reused buffer as the
/// hub writes a message's argument, then read back as a subscriber reads it. The two forms run
/// alternately, round after round (the machine is shared: a busy moment then hits both); prints one
/// JSON line per form with the CPU ns per record of this process (best and median of the rounds),
/// the wall ns, and the bytes per record. Records are made before any clock starts.
/// </summary>
public static class EncodeBench
{
    public const string Usage = "       NeTracker.Bench encode [--records N] [--rounds N]";

    private const int Window = 256;

    public static int Run(string[] args)
    {
        int records = 1_000_000, rounds = 5;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--records" when i + 1 < args.Length && int.TryParse(args[++i], out var n) && n > 0: records = n; break;
                case "--rounds" when i + 1 < args.Length && int.TryParse(args[++i], out var r) && r > 0: rounds = r; break;
                default:
                    Console.Error.WriteLine($"encode: bad option {args[i]}\n{Usage}");
                    return 2;
            }
        }

        var windows = Make(records).Chunk(Window).Select(w => (IReadOnlyList<ConnectionRecord>)w).ToArray();
        var compactWindows = windows.Select(RecordMessagePack.AsCompact).ToArray();
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        (string Name, IReadOnlyList<ConnectionRecord>[] Windows)[] forms = [("map", windows), ("compact", compactWindows)];
        var cpu = forms.ToDictionary(f => f.Name, _ => new List<double>());
        var wall = forms.ToDictionary(f => f.Name, _ => new List<double>());
        var decode = forms.ToDictionary(f => f.Name, _ => new List<double>());
        var bytes = new Dictionary<string, long>();
        var encoded = new Dictionary<string, byte[]>();
        foreach (var (name, w) in forms)
        {
            bytes[name] = Encode(w, buffer); // JIT, and the size
            encoded[name] = buffer.WrittenSpan.ToArray(); // the last window, for the read-back
        }
        // Read back, the subscriber's side: the same records from both (checked once, before any clock).
        if (!Decode(encoded["map"]).SequenceEqual(Decode(encoded["compact"])))
            throw new InvalidOperationException("the compact form did not read back as the map form");

        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, w) in forms)
            {
                var (c, t) = Measure(() => Encode(w, buffer));
                cpu[name].Add(c / records);
                wall[name].Add(t / records);
                var one = encoded[name];
                var reads = records / Window;
                var (dc, _) = Measure(() => { for (var i = 0; i < reads; i++) Decode(one); return 0; });
                decode[name].Add(dc / (reads * Window));
            }
        }
        foreach (var (name, _) in forms)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"hub-encode\",\"form\":\"{name}\",\"records\":{records},\"rounds\":{rounds},\"cpu_ns_per_record\":{cpu[name].Min():0.0},\"cpu_ns_per_record_median\":{Median(cpu[name]):0.0},\"wall_ns_per_record\":{wall[name].Min():0.0},\"decode_cpu_ns_per_record\":{decode[name].Min():0.0},\"bytes_per_record\":{(double)bytes[name] / records:0.0}}}"));
        }
        return 0;
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    private static (double CpuNs, double WallNs) Measure(Func<long> run)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.GetTimestamp();
        run();
        return ((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds, Stopwatch.GetElapsedTime(wall).TotalNanoseconds);
    }

    /// <summary>Every window as one message's argument (the hub's <c>ReceiveBatch</c>), into a reused buffer; the bytes written.</summary>
    private static long Encode(IReadOnlyList<ConnectionRecord>[] windows, ArrayBufferWriter<byte> buffer)
    {
        long total = 0;
        foreach (var w in windows)
        {
            buffer.ResetWrittenCount();
            var writer = new MessagePackWriter(buffer);
            MessagePackSerializer.Serialize(ref writer, w, RecordMessagePack.Options);
            writer.Flush();
            total += buffer.WrittenCount;
        }
        return total;
    }

    private static IReadOnlyList<ConnectionRecord> Decode(byte[] message) =>
        MessagePackSerializer.Deserialize<IReadOnlyList<ConnectionRecord>>(message, RecordMessagePack.Options);

    /// <summary>The synthetic publisher's records with what the probe adds: owner, health fields, a name on some.</summary>
    private static IEnumerable<ConnectionRecord> Make(int records)
    {
        var from = DateTime.UtcNow.AddHours(-1);
        for (var n = 0L; n < records; n++)
        {
            var r = SyntheticPublisher.Make(n, from, TimeSpan.FromHours(1));
            yield return r with
            {
                Pid = (int)(1000 + n % 50),
                Comm = n % 2 == 0 ? "nginx" : "curl",
                Cgroup = "/system.slice/nginx.service",
                Unit = "nginx.service",
                OwnerSource = OwnerSource.Kernel,
                RetransC = 0,
                RetransS = (int)(n % 7 == 0 ? 1 : 0),
                ZeroWinC = 0,
                ZeroWinS = 0,
                ZeroWinNs = 0,
                RttMinNs = 30_000 + n % 500,
                RttAvgNs = 40_000 + n % 500,
                RttMaxNs = 90_000 + n % 5000,
                RttSamples = (int)(3 + n % 20),
                LastCUtc = r.EndUtc.AddTicks(-10),
                LastSUtc = r.EndUtc.AddTicks(-20),
                ServerName = n % 4 == 0 ? "api.example.test" : null,
                NameSource = n % 4 == 0 ? NameSource.Sni : null,
            };
        }
    }
}
