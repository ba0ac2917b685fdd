using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;

namespace NeTracker.Probe.Agent;

/// <summary>
/// Sends the buffer's records to the dashboard's hub, oldest first, and removes them only when
/// acknowledged. Owns the connection: (re)connects with exponential backoff, forever, so a
/// dashboard restart costs nothing but the records that overflowed the buffer meanwhile. With
/// several hub URLs (the replicas of a fleet), a failure moves on to the next one at once; the
/// backoff grows only once every replica has failed in a row. What the lost replica had not
/// acknowledged is sent again to the next, and the shared database stores it once.
/// </summary>
public sealed class AgentPublisher(AgentOptions options, AgentBuffer buffer, Func<long> lostEvents, TextWriter log)
{
    private readonly Guid _epoch = Guid.NewGuid();

    /// <summary>Batches acknowledged since start (for status output and tests).</summary>
    public long Acknowledged { get; private set; }

    public bool Connected { get; private set; }

    /// <summary>Records the dashboard refused (never stored, never sent again), since start.</summary>
    public long Refused { get; private set; }

    /// <summary>Refusals logged one line each per batch; the rest of a batch's are summed up in one more line.</summary>
    internal const int RefusalsLoggedPerBatch = 5;

    /// <summary>The hub in use (or tried next).</summary>
    public Uri CurrentHub => options.HubUrls[_current];

    private int _current;

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.MinBackoff;
        var failedInARow = 0;
        while (!ct.IsCancellationRequested)
        {
            var url = CurrentHub;
            await using var connection = Build(url);
            try
            {
                await connection.StartAsync(ct);
                Connected = true;
                log.WriteLine($"agent: connected to {url}");
                await SendUntilFailureAsync(connection, () => (backoff, failedInARow) = (options.MinBackoff, 0), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            // A dashboard that goes away while a Publish waits for its ack cancels that invocation
            // (TaskCanceledException, not our token): a lost connection like the others, not the end.
            catch (Exception e) when (e is HttpRequestException or System.Net.WebSockets.WebSocketException or HubException or InvalidOperationException
                                          or IOException or TimeoutException or OperationCanceledException)
            {
                log.WriteLine($"agent: {url}: {e.Message}; {buffer.Count} records buffered, " +
                    (options.HubUrls.Count > 1 && failedInARow + 1 < options.HubUrls.Count
                        ? $"trying {options.HubUrls[(_current + 1) % options.HubUrls.Count]}"
                        : $"retrying in {backoff.TotalSeconds:0.##} s"));
            }
            Connected = false;
            _current = (_current + 1) % options.HubUrls.Count;
            if (++failedInARow < options.HubUrls.Count)
                continue;
            failedInARow = 0;
            try
            {
                await Task.Delay(backoff, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
        }
    }

    /// <param name="delivered">Called after each acknowledged batch: only a working exchange resets the backoff,
    /// not a connection the dashboard closes again at once.</param>
    private async Task SendUntilFailureAsync(HubConnection connection, Action delivered, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (connection.State != HubConnectionState.Connected)
                throw new InvalidOperationException("connection closed");
            var (firstSeq, records) = buffer.Peek(options.MaxBatch);
            if (records.Count == 0)
            {
                await Task.Delay(options.Idle, ct);
                continue;
            }
            var batch = new AgentBatch(options.Name, _epoch, firstSeq, records, buffer.Overflowed, lostEvents());
            var ack = await connection.InvokeAsync<AgentAck>("Publish", batch, ct);
            // The ack covers refused records too: they are dropped with the others, logged, never re-sent.
            LogRefusals(ack);
            buffer.Acknowledge(ack.LastSeq);
            Acknowledged++;
            delivered();
        }
    }

    private void LogRefusals(AgentAck ack)
    {
        if (ack.Refused is not { Count: > 0 } refused)
            return;
        Refused += refused.Count;
        foreach (var r in refused.Take(RefusalsLoggedPerBatch))
            log.WriteLine($"agent: the dashboard refused record seq {r.Seq}: {r.Reason}");
        if (refused.Count > RefusalsLoggedPerBatch)
            log.WriteLine($"agent: ... and {refused.Count - RefusalsLoggedPerBatch} more refused in this batch ({Refused} since start)");
    }

    private HubConnection Build(Uri url) => new HubConnectionBuilder()
        .WithUrl(url, o =>
        {
            o.Headers["X-Api-Key"] = options.ApiKey;
            AgentTls.Apply(o, options, log);
        })
        .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
