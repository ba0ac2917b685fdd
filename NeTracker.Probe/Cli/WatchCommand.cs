using System.CommandLine;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `watch`: attaches to the interfaces, prints every finished connection until Ctrl-C, SIGTERM
/// or --duration, then detaches what it attached (interfaces already attached before stay so)
/// and prints the connections the detach closed, then a summary with losses on stderr.
/// </summary>
public sealed class WatchCommand : CliCommand
{
    private static readonly TimeSpan DetachTimeout = TimeSpan.FromSeconds(30);

    private readonly Option<string[]> _interfaces;
    private readonly Option<string> _format;
    private readonly Option<TimeSpan?> _duration;
    private readonly Option<string> _instance;
    private readonly Option<TimeSpan?> _open;
    private readonly Option<string> _transport;
    private readonly Option<TimeSpan?> _lease;
    private readonly Option<bool> _tcFilters;

    public WatchCommand() : base("watch", "attach, print finished connections live (like tcplife), detach on exit")
    {
        _interfaces = Add(CliOptions.Interfaces("interface to watch (repeat for several)", required: true));
        _format = Add(CliOptions.Choice("--format", "-f", "table|csv|jsonl|tcplife",
            "output format: table for people; csv and jsonl the record schema; tcplife the columns and units of tcplife",
            RecordOutput.Table, RecordOutput.Table, RecordOutput.Csv, RecordOutput.Jsonl, RecordOutput.Tcplife));
        _duration = Add(CliOptions.Seconds("--duration", "-d", "stop after this long (default: until Ctrl-C / SIGTERM)"));
        _instance = Add(CliOptions.Instance());
        _open = Add(CliOptions.Seconds("--open", null,
            "instead of finished connections, list the open ones with their state (active, idle, zero-window, retransmitting, half-closed) every SECONDS"));
        _transport = Add(CliOptions.Transport("the tool"));
        _lease = Add(CliOptions.Lease());
        _tcFilters = Add(CliOptions.TcFilters());
        Command.Validators.Add(r =>
        {
            if (r.GetValue(_open) is not null && r.GetValue(_format) == RecordOutput.Tcplife)
                r.AddError("--format tcplife prints finished connections: with --open use table, csv or jsonl");
        });
    }

    public override async Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
    {
        var interfaces = CliOptions.Distinct(parse.GetValue(_interfaces));
        var format = parse.GetRequiredValue(_format);
        var output = RecordOutput.Create(format, env.Out);
        var openEvery = parse.GetValue(_open);
        var duration = parse.GetValue(_duration);
        string instance = parse.GetRequiredValue(_instance);

        await using var probe = env.CreateProbe(new ProbeRequest(instance, DetachOnDispose: false, CliOptions.TransportOf(parse, _transport),
            LeaseWindow: parse.GetValue(_lease), UseTcx: !parse.GetValue(_tcFilters)));
        await probe.StartAsync(stop).ConfigureAwait(false);
        var alreadyAttached = (await probe.ListInterfacesAsync(stop).ConfigureAwait(false))
            .Where(i => i.Attached).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var attachedHere = new List<string>();
        long written = 0;
        try
        {
            foreach (string name in interfaces)
            {
                await probe.AttachAsync(name, stop).ConfigureAwait(false);
                if (!alreadyAttached.Contains(name))
                    attachedHere.Add(name);
            }
            env.Error.WriteLine($"watching {string.Join(", ", interfaces)} (instance {instance}){(duration is { } d ? $" for {d.TotalSeconds:0.###} s" : "")}; Ctrl-C stops");
            if (openEvery is null)
                output.WriteHeader();
            else
                OpenConnectionsOutput.WriteHeader(env.Out, format);
            await env.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            using var until = CancellationTokenSource.CreateLinkedTokenSource(stop);
            if (duration is { } limit)
                until.CancelAfter(limit);
            try
            {
                if (openEvery is { } every)
                    await ListOpenAsync(probe, format, every, env, until.Token).ConfigureAwait(false);
                else
                {
                    while (await probe.Records.WaitToReadAsync(until.Token).ConfigureAwait(false))
                        written += await DrainAsync(probe, output, env).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (until.IsCancellationRequested)
            {
                // Ctrl-C, SIGTERM or --duration: the normal end of a watch.
            }
        }
        finally
        {
            // Never leave filters behind, even when interrupted: a fresh token, bounded in time.
            using var detach = new CancellationTokenSource(DetachTimeout);
            foreach (string name in attachedHere)
            {
                try
                {
                    await probe.DetachAsync(name, detach.Token).ConfigureAwait(false);
                }
                catch (ProbeException e)
                {
                    env.Error.WriteLine($"warning: detaching {name}: {e.Message}");
                }
            }
            if (openEvery is null)
                written += await DrainAsync(probe, output, env).ConfigureAwait(false); // closed by the detach
        }
        WriteSummary(env.Error, written, probe.Counters);
        return ProbeCommandLine.Ok;
    }

    /// <summary>The open connections as the probe last read them from the kernel table (its sweep),
    /// every <paramref name="every"/>; finished ones are consumed unprinted.</summary>
    private static async Task ListOpenAsync(IConnectionProbe probe, string format, TimeSpan every, CliEnvironment env, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : every);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            while (probe.Records.TryRead(out _))
            {
            }
            OpenConnectionsOutput.Write(env.Out, format, probe.ActiveConnections, DateTime.UtcNow);
            await env.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<long> DrainAsync(IConnectionProbe probe, RecordOutput output, CliEnvironment env)
    {
        long n = 0;
        while (probe.Records.TryRead(out var batch))
        {
            foreach (var record in batch)
                output.Write(record);
            n += batch.Count;
        }
        if (n > 0)
        {
            output.Flush();
            await env.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return n;
    }

    internal static void WriteSummary(TextWriter w, long written, ProbeCounters c)
    {
        w.WriteLine($"{written} connections ({c.Transport}); lost events {Interlocked.Read(ref c.LostEvents)}, channel drops {Interlocked.Read(ref c.ChannelDrops)}, " +
            $"malformed {Interlocked.Read(ref c.MalformedLines) + Interlocked.Read(ref c.MalformedEvents)}, foreign lines {Interlocked.Read(ref c.ForeignLines)}, " +
            $"table full {Interlocked.Read(ref c.KernelInsertFailures)}, read errors {Interlocked.Read(ref c.ReadErrors)}");
        foreach (var (name, d) in c.DropsByInterface)
        {
            if (d.HalfOpenFull + d.ConnsFull > 0)
                w.WriteLine($"warning: {name}: {d.HalfOpenFull} SYNs not tracked (half-open quota reached: SYN flood?), {d.ConnsFull} SYNs not tracked (table full)");
        }
        if (c.TransportWarning.Length > 0)
            w.WriteLine($"warning: {c.TransportWarning}");
        if (c.LostEvents > 0 || c.ChannelDrops > 0)
            w.WriteLine($"warning: some connections were not reported ({(c.Transport == "ringbuf" ? "ring buffer full" : "trace buffer overrun")} or slow output); see the counts above.");
    }
}
