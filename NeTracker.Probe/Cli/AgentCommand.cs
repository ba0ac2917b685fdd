using System.CommandLine;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `agent`: attaches to the interfaces and pushes every finished connection to a central
/// dashboard's hub. Records wait in a bounded buffer until the dashboard acknowledges them, so
/// a dashboard restart loses nothing but what overflows the buffer (counted and reported).
/// </summary>
public sealed class AgentCommand : CliCommand
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DetachTimeout = TimeSpan.FromSeconds(30);

    private readonly Option<string[]> _hubs;
    private readonly Option<string> _apiKey;
    private readonly Option<string[]> _interfaces;
    private readonly Option<string> _name;
    private readonly Option<string> _buffer;
    private readonly Option<string> _instance;
    private readonly Option<string> _transport;
    private readonly Option<TimeSpan?> _lease;
    private readonly Option<bool> _tcFilters;
    private readonly Option<string> _tlsFingerprint;
    private readonly Option<string> _caFile;
    private readonly Option<bool> _allowHttp;

    public AgentCommand() : base("agent", "attach and push finished connections to a remote dashboard's hub")
    {
        _hubs = Add(new Option<string[]>("--hub")
        {
            Description = "the dashboard's hub, e.g. https://dash:5080/hubs/connections; required; repeat for each replica of a fleet",
            HelpName = "URL", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore,
        });
        _apiKey = Add(new Option<string>("--api-key") { Description = "API key configured on the dashboard (or set NETRACKER_API_KEY, which ps cannot show)", HelpName = "KEY" });
        _interfaces = Add(CliOptions.Interfaces("interface to watch (repeat for several)", required: true));
        _name = Add(new Option<string>("--name", "-n") { Description = "how the dashboard labels this host (default: the host name)", HelpName = "NAME" });
        _buffer = Add(new Option<string>("--buffer") { Description = "records held while the dashboard is unreachable (default 200000)", HelpName = "RECORDS" });
        _instance = Add(CliOptions.Instance("agent"));
        _transport = Add(CliOptions.Transport("the agent"));
        _lease = Add(CliOptions.Lease());
        _tcFilters = Add(CliOptions.TcFilters());
        _tlsFingerprint = Add(new Option<string>("--tls-fingerprint")
        {
            Description = "trust only the dashboard certificate with this SHA-256 (the one a dashboard prints when it generates its own)", HelpName = "SHA256",
        });
        _caFile = Add(new Option<string>("--ca-file") { Description = "trust dashboard certificates issued by the CA(s) in this file instead of the system's", HelpName = "PEM" });
        _allowHttp = Add(new Option<bool>("--allow-http") { Description = "allow an http:// hub beyond loopback (the API key then crosses the network in clear)" });
    }

    public override async Task<int> RunAsync(ParseResult parse, CliEnvironment env, CancellationToken stop)
    {
        var options = ParseOptions(parse);
        var interfaces = CliOptions.Distinct(parse.GetValue(_interfaces));
        var instance = parse.GetRequiredValue(_instance);

        await using var probe = env.CreateProbe(new ProbeRequest(instance, DetachOnDispose: false, CliOptions.TransportOf(parse, _transport),
            LeaseWindow: parse.GetValue(_lease), UseTcx: !parse.GetValue(_tcFilters)));
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

    /// <summary>What the agent needs beyond the probe, checked before it touches the kernel.</summary>
    internal AgentOptions ParseOptions(ParseResult parse)
    {
        var hubs = parse.GetValue(_hubs) ?? [];
        if (hubs.Length == 0)
            throw new UsageException("--hub URL is needed");
        var urls = new List<Uri>();
        foreach (var hub in hubs)
        {
            if (!Uri.TryCreate(hub, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                throw new UsageException($"--hub must be an http:// or https:// URL (got '{hub}')");
            urls.Add(url);
        }
        var key = parse.GetValue(_apiKey) ?? Environment.GetEnvironmentVariable("NETRACKER_API_KEY");
        if (string.IsNullOrEmpty(key))
            throw new UsageException("an API key is needed: --api-key KEY or NETRACKER_API_KEY");
        var name = parse.GetValue(_name) ?? Environment.MachineName;
        if (name.Length > 64 || name.Any(char.IsControl))
            throw new UsageException("--name must be 1-64 printable characters");
        var capacity = 200_000;
        if (parse.GetValue(_buffer) is { } b && (!int.TryParse(b, out capacity) || capacity < 1))
            throw new UsageException($"--buffer must be a positive number of records (got '{b}')");
        var fingerprint = parse.GetValue(_tlsFingerprint);
        if (fingerprint is not null && AgentTls.NormalizeFingerprint(fingerprint) is null)
            throw new UsageException($"--tls-fingerprint must be a SHA-256: 64 hex digits, colons allowed (got '{fingerprint}')");
        var caFile = parse.GetValue(_caFile);
        if (caFile is not null && !File.Exists(caFile))
            throw new UsageException($"--ca-file {caFile}: no such file");
        if (fingerprint is not null && caFile is not null)
            throw new UsageException("--tls-fingerprint and --ca-file are alternatives: give one");
        var allowHttp = parse.GetValue(_allowHttp);
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
