using System.Buffers.Binary;
using System.Text;

using static NeTracker.Web.Tests.Observability.Protobuf;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// Reads an OTLP ExportMetricsServiceRequest (opentelemetry/proto/metrics/v1/metrics.proto, the
/// protobuf an OTLP/HTTP exporter posts) into data points: just the fields the tests check
/// (metric name; histogram count, sum, bucket counts and bounds; sum and gauge values; attributes).
/// </summary>
internal static class OtlpMetricsDecoder
{
    public sealed record Point(string Metric, string Kind, IReadOnlyDictionary<string, string> Attributes,
        double Value, ulong Count, IReadOnlyList<ulong> BucketCounts, IReadOnlyList<double> Bounds);

    public static List<Point> Decode(ReadOnlySpan<byte> request)
    {
        var points = new List<Point>();
        foreach (var resourceMetrics in Fields(request, 1))           // ExportMetricsServiceRequest.resource_metrics
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))  // ResourceMetrics.scope_metrics
                foreach (var metric in Fields(scopeMetrics, 2))       // ScopeMetrics.metrics
                    DecodeMetric(metric, points);
        return points;
    }

    private static void DecodeMetric(byte[] metric, List<Point> points)
    {
        var name = Encoding.UTF8.GetString(Fields(metric, 1).Single());
        foreach (var (field, kind) in new[] { (5, "gauge"), (7, "sum") })
            foreach (var data in Fields(metric, field))
                foreach (var dp in Fields(data, 1))
                {
                    double value = 0;
                    ulong count = 0;
                    Read(dp, (number, wire, bytes, fixed64) =>
                    {
                        if (number == 4 && wire == 1) value = BitConverter.Int64BitsToDouble((long)fixed64); // as_double
                        if (number == 6 && wire == 1) value = (long)fixed64;                                 // as_int
                    });
                    points.Add(new Point(name, kind, Attributes(dp, 7), value, count, [], []));
                }
        // ExponentialHistogram (10): data_points (1), each with count (4, fixed64); the buckets are not read here.
        foreach (var data in Fields(metric, 10))
            foreach (var dp in Fields(data, 1))
            {
                ulong count = 0;
                Read(dp, (number, wire, _, fixed64) =>
                {
                    if (number == 4 && wire == 1) count = fixed64;
                });
                points.Add(new Point(name, "exponential", Attributes(dp, 1), 0, count, [], []));
            }
        foreach (var data in Fields(metric, 9))
            foreach (var dp in Fields(data, 1))
            {
                double sum = 0;
                ulong count = 0;
                var buckets = new List<ulong>();
                var bounds = new List<double>();
                Read(dp, (number, wire, bytes, fixed64) =>
                {
                    if (number == 4 && wire == 1) count = fixed64;
                    if (number == 5 && wire == 1) sum = BitConverter.Int64BitsToDouble((long)fixed64);
                    if (number == 6 && wire == 2) for (var i = 0; i < bytes!.Length; i += 8) buckets.Add(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i)));
                    if (number == 7 && wire == 2) for (var i = 0; i < bytes!.Length; i += 8) bounds.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i)));
                });
                points.Add(new Point(name, "histogram", Attributes(dp, 9), sum, count, buckets, bounds));
            }
    }

    // KeyValue { key = 1; AnyValue value = 2 }, AnyValue { string_value = 1; int_value = 3 }.
    private static Dictionary<string, string> Attributes(byte[] point, int field) =>
        Fields(point, field).ToDictionary(kv => Encoding.UTF8.GetString(Fields(kv, 1).Single()),
            kv => Fields(kv, 2).Select(v => Fields(v, 1).Select(s => Encoding.UTF8.GetString(s)).FirstOrDefault() ?? "").Single());
}
