using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `agent`: attaches to the interfaces and pushes every finished connection to a central
/// dashboard's hub. Records wait in a bounded buffer until the dashboard acknowledges them, so
/// a dashboard restart loses nothing but what overflows the buffer (counted and reported).
/// </summary>
public sealed class AgentCommand : ICliCommand
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DetachTimeout = TimeSpan.FromSeconds(30);

    public string Name => "agent";

    public string Summary => "attach and push finished connections to a remote dashboard's hub";

    public IReadOnlyList<CliOption> Options { get; } =
    [
        new("hub", "URL", "the dashboard's hub, e.g. https://dash:5080/hubs/connections; required; repeat for each replica of a fleet", Repeatable: true),
        new("api-key", "KEY", "API key configured on the dashboard (or set NETRACKER_API_KEY, which ps cannot show)"),
        new("interface", "NAME", "interface to watch (repeat for several); required", Repeatable: true),
        new("name", "NAME", "how the dashboard labels this host (default: the host name)"),
        new("buffer", "RECORDS", "records held while the dashboard is unreachable (default 200000)"),
        new("instance", "NAME", "probe instance (default agent)"),
        new("transport", "ringbuf|trace", "how events reach the agent: binary ring buffer (default) or trace_pipe text"),
        CliOptions.Lease,
        CliOptions.TcFilters,
        new("tls-fingerprint", "SHA256", "trust only the dashboard certificate with this SHA-256 (the one a dashboard prints when it generates its own)"),
        new("ca-file", "PEM", "trust dashboard certificates issued by the CA(s) in this file instead of the system's"),
        new("allow-http", null, "allow an http:// hub beyond loopback (the API key then crosses the network in clear)"),
    ];

    public async Task<int> RunAsync(CliArguments args, CliEnvironment env, CancellationToken stop)
    {
        var options = ParseOptions(args);
        var interfaces = args.Interfaces(required: true);
        var instance = args.Has("instance") ? args.Instance() : "agent";

        await using var probe = env.CreateProbe(new ProbeRequest(instance, DetachOnDispose: false, args.Transport(),
            LeaseWindow: args.Seconds("lease"), UseTcx: !args.Has("tc-filters")));
        await probe.StartAsync(stop).ConfigureAwait(false);
        foreach (var name in interfaces)
            await probe.AttachAsync(name, stop).ConfigureAwait(false);
        env.Error.WriteLine($"agent {options.Name}: watching {string.Join(", ", interfaces)}, publishing to {string.Join(" or ", options.HubUrls)}");

        var buffer = new AgentBuffer(options.BufferCapacity);
        var publisher = new AgentPublisher(options, buffer, () => Interlocked.Read(ref probe.Counters.LostEvents), env.Error);
        using var publishing = new CancellationTokenSource();
        var publish = publisher.RunAsync(publishing.Token);
        try
        {
            while (await probe.Records.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (probe.Records.TryRead(out var batch))
                    AddAll(buffer, batch, options.Name);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C or SIGTERM: detach, then give the publisher a moment to deliver the rest.
        }
        finally
        {
            using var detach = new CancellationTokenSource(DetachTimeout);
            foreach (var name in interfaces)
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
            while (probe.Records.TryRead(out var batch))
                AddAll(buffer, batch, options.Name);
            var deadline = DateTime.UtcNow + FlushTimeout;
            while (buffer.Count > 0 && publisher.Connected && DateTime.UtcNow < deadline)
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            await publishing.CancelAsync().ConfigureAwait(false);
            await publish.ConfigureAwait(false);
        }
        env.Error.WriteLine($"agent {options.Name}: stopped; {buffer.Count} records undelivered, {buffer.Overflowed} dropped on overflow, " +
            $"lost events {Interlocked.Read(ref probe.Counters.LostEvents)}");
        return buffer.Count == 0 && buffer.Overflowed == 0 ? ProbeCommandLine.Ok : ProbeCommandLine.RuntimeError;
    }

    private static void AddAll(AgentBuffer buffer, IReadOnlyList<ConnectionRecord> batch, string host)
    {
        foreach (var record in batch)
            buffer.Add(record with { Host = host });
    }

    internal static AgentOptions ParseOptions(CliArguments args)
    {
        var hubs = args.All("hub");
        if (hubs.Count == 0)
            throw new UsageException("--hub URL is needed");
        var urls = new List<Uri>();
        foreach (var hub in hubs)
        {
            if (!Uri.TryCreate(hub, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new UsageException($"--hub must be an http:// or https:// URL (got '{hub}')");
            urls.Add(url);
        }
        var key = args.Single("api-key") ?? Environment.GetEnvironmentVariable("NETRACKER_API_KEY");
        if (string.IsNullOrEmpty(key))
            throw new UsageException("an API key is needed: --api-key KEY or NETRACKER_API_KEY");
        var name = args.Single("name") ?? Environment.MachineName;
        if (name.Length > 64 || name.Any(char.IsControl))
            throw new UsageException("--name must be 1-64 printable characters");
        var capacity = 200_000;
        if (args.Single("buffer") is { } b && (!int.TryParse(b, out capacity) || capacity < 1))
            throw new UsageException($"--buffer must be a positive number of records (got '{b}')");
        var fingerprint = args.Single("tls-fingerprint");
        if (fingerprint is not null && AgentTls.NormalizeFingerprint(fingerprint) is null)
            throw new UsageException($"--tls-fingerprint must be a SHA-256: 64 hex digits, colons allowed (got '{fingerprint}')");
        var caFile = args.Single("ca-file");
        if (caFile is not null && !File.Exists(caFile))
            throw new UsageException($"--ca-file {caFile}: no such file");
        if (fingerprint is not null && caFile is not null)
            throw new UsageException("--tls-fingerprint and --ca-file are alternatives: give one");
        var allowHttp = args.Has("allow-http");
        foreach (var url in urls)
        {
            // The key goes in the first request: over http beyond loopback, anyone on the path reads it.
            if (url.Scheme == "http" && !url.IsLoopback && !allowHttp)
                throw new UsageException($"--hub {url} is plain http beyond loopback: the API key would cross the network in clear. " +
                    "Use https:// (with --tls-fingerprint or --ca-file for a dashboard's own certificate), or pass --allow-http");
        }
        return new AgentOptions
        {
            HubUrls = urls, ApiKey = key, Name = name, BufferCapacity = capacity,
            TlsFingerprint = fingerprint, CaFile = caFile, AllowPlainHttp = allowHttp,
        };
    }
}
