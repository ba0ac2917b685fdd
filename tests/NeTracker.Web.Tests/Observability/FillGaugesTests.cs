using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Metrics;

namespace NeTracker.Web.Tests.Observability;

/// <summary>The kernel table's and the ring buffer's fill, per probe instance, on /metrics and in the instruments OTLP exports.</summary>
public sealed class FillGaugesTests
{
    [Fact]
    public async Task Table_and_ring_buffer_fill_are_gauges_of_the_probe_instance_on_metrics_and_in_the_meter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new Api.HistoryApiFactory();
        var c = app.Probe.Counters;
        (c.TableEntries, c.TableCapacity, c.RingBufferPending, c.RingBufferBytes, c.Transport) = (1234, 196608, 4096, 4 << 20, "ringbuf");
        var samples = PrometheusText.Samples(await app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct));

        const string label = "{probe_instance=\"test\"}";
        Assert.Equal(1234, samples["netracker_table_entries" + label]);
        Assert.Equal(196608, samples["netracker_table_capacity" + label]);
        Assert.Equal(4096, samples["netracker_ringbuf_pending_bytes" + label]);
        Assert.Equal(4 << 20, samples["netracker_ringbuf_size_bytes" + label]);

        var measured = new Dictionary<string, long>();
        // Once, outside the listener: it runs on the thread of whichever host creates an
        // instrument, other tests' included.
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Scope == factory && i.Meter.Name == ConnectionMetrics.MeterName && i.IsObservable)
                    l.EnableMeasurementEvents(i);
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) =>
        {
            if (tags.Length == 1 && tags[0].Key == "probe_instance")
                measured[$"{PrometheusNames.Of(i)}{{probe_instance=\"{tags[0].Value}\"}}"] = v;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(4, measured.Count);
        foreach (var (line, value) in measured)
            Assert.Equal(samples[line], value);

        // The trace transport has no ring buffer: its families stay, without samples.
        c.Transport = "trace";
        var text = await app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct);
        Assert.Contains("# TYPE netracker_ringbuf_pending_bytes gauge", text, StringComparison.Ordinal);
        Assert.DoesNotContain("netracker_ringbuf_pending_bytes{", text, StringComparison.Ordinal);
    }
}
