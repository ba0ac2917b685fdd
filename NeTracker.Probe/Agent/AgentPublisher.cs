using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Export;

namespace NeTracker.Probe.Agent;

/// <summary>
/// Sends the buffer's records to the dashboard's hub, oldest first, and removes them only when
/// acknowledged. Owns the connection: (re)connects with exponential backoff, forever, so a
/// dashboard restart costs nothing but the records that overflowed the buffer meanwhile.
/// </summary>
public sealed class AgentPublisher(AgentOptions options, AgentBuffer buffer, Func<long> lostEvents, TextWriter log)
{
    private readonly Guid _epoch = Guid.NewGuid();

    /// <summary>Batches acknowledged since start (for status output and tests).</summary>
    public long Acknowledged { get; private set; }

    public bool Connected { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = options.MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            await using var connection = Build();
            try
            {
                await connection.StartAsync(ct);
                Connected = true;
                log.WriteLine($"agent: connected to {options.HubUrl}");
                await SendUntilFailureAsync(connection, () => backoff = options.MinBackoff, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or System.Net.WebSockets.WebSocketException or HubException or InvalidOperationException or IOException or TimeoutException)
            {
                log.WriteLine($"agent: {options.HubUrl}: {e.Message}; {buffer.Count} records buffered, retrying in {backoff.TotalSeconds:0.##} s");
            }
            Connected = false;
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
            buffer.Acknowledge(ack.LastSeq);
            Acknowledged++;
            delivered();
        }
    }

    private HubConnection Build() => new HubConnectionBuilder()
        .WithUrl(options.HubUrl, o => o.Headers["X-Api-Key"] = options.ApiKey)
        .AddJsonProtocol(o => RecordJson.Configure(o.PayloadSerializerOptions))
        .Build();
}
