using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The .NET runtime's own instruments (meter <c>System.Runtime</c>: GC, heap, thread pool, JIT,
/// exceptions, and the process's CPU time and working set) in the Prometheus text format, under
/// their OpenTelemetry names converted by <see cref="PrometheusNames"/>
/// (e.g. <c>dotnet_process_cpu_time_seconds_total</c>): the overhead NeTracker costs its host.
/// Observable instruments are read at scrape; the few that are not (exceptions) are summed here.
/// Their labels come from the runtime (generation, CPU mode, exception type): bounded by it.
/// </summary>
public sealed class RuntimeMetricsWriter : IDisposable
{
    public const string RuntimeMeter = "System.Runtime";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, double>> _sums = new();
    private readonly Lock _scrape = new();
    private Dictionary<Instrument, Dictionary<string, double>>? _observed;

    public RuntimeMetricsWriter()
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMeter && !PrometheusNames.IsHistogram(instrument))
                l.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => OnMeasurement(i, v, tags));
        _listener.Start();
    }

    private void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        if (instrument.IsObservable)
        {
            // Only during RecordObservableInstruments, under _scrape.
            if (_observed is { } observed)
            {
                if (!observed.TryGetValue(instrument, out var series))
                    observed[instrument] = series = new Dictionary<string, double>(StringComparer.Ordinal);
                series[labels] = value;
            }
            return;
        }
        _sums.GetOrAdd(instrument, _ => new(StringComparer.Ordinal)).AddOrUpdate(labels, value, (_, n) => n + value);
    }

    public void Write(StringBuilder sb)
    {
        Dictionary<Instrument, Dictionary<string, double>> observed;
        lock (_scrape)
        {
            _observed = [];
            _listener.RecordObservableInstruments();
            observed = _observed;
            _observed = null;
        }
        foreach (var (instrument, series) in _sums)
            observed[instrument] = new Dictionary<string, double>(series, StringComparer.Ordinal);

        var c = CultureInfo.InvariantCulture;
        foreach (var (instrument, series) in observed.OrderBy(kv => kv.Key.Name, StringComparer.Ordinal))
        {
            var name = PrometheusNames.Of(instrument);
            sb.Append("# HELP ").Append(name).Append(' ').Append(OneLine(instrument.Description ?? instrument.Name)).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(PrometheusNames.IsCounter(instrument) ? " counter\n" : " gauge\n");
            foreach (var (labels, value) in series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.Append(c, $"{name}{labels} {value}\n");
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
            return "";
        var sb = new StringBuilder("{");
        foreach (var (key, value) in tags)
        {
            if (sb.Length > 1)
                sb.Append(',');
            sb.Append(PrometheusNames.Label(key)).Append("=\"").Append(PrometheusWriter.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")).Append('"');
        }
        return sb.Append('}').ToString();
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace("\\", "\\\\", StringComparison.Ordinal);

    public void Dispose() => _listener.Dispose();
}
