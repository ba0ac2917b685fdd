using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;

namespace NeTracker.Web.Tests.Agents;

/// <summary>
/// A dashboard that stops while a batch waits for its ack: SignalR cancels the pending
/// invocation (a TaskCanceledException that is not the agent's own cancellation). The publisher
/// must take that as a lost connection and retry, not end and leave the agent watching with
/// nobody publishing.
/// </summary>
public sealed class AgentPublisherCloseTests
{
    /// <summary>Takes the batch and never answers, until the connection goes.</summary>
    public sealed class SilentHub : Hub
    {
        public static readonly TaskCompletionSource Received = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public static readonly TaskCompletionSource Close = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<AgentAck> Publish(System.Text.Json.JsonElement batch)
        {
            Received.TrySetResult();
            await Close.Task;
            Context.Abort();
            await Task.Delay(Timeout.Infinite, Context.ConnectionAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return new AgentAck(0);
        }
    }

    [Fact]
    public async Task A_dashboard_stopping_under_a_pending_batch_makes_the_publisher_retry()
    {
        var ct = TestContext.Current.CancellationToken;
        // Content root away from the dashboard's appsettings.json (its Kestrel endpoint is 5080).
        var root = Directory.CreateTempSubdirectory("nt-silent-hub-");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root.FullName });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<SilentHub>("/hubs/connections");
        await app.StartAsync(ct);

        var buffer = new AgentBuffer(100);
        buffer.Add(Records.Make(0, clientPort: 20_000, host: "", endUtc: DateTime.UtcNow));
        var options = new AgentOptions
        {
            HubUrls = [new Uri(new Uri(app.Urls.First()), "/hubs/connections")],
            ApiKey = "unused",
            Name = "agent-close",
            MinBackoff = TimeSpan.FromSeconds(30),
        };
        var log = new StringWriter();
        var publisher = new AgentPublisher(options, buffer, () => 0, TextWriter.Synchronized(log));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = publisher.RunAsync(stop.Token);
        try
        {
            await SilentHub.Received.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);
            // The dashboard's shutdown closes hub connections gracefully (a close message, no
            // error), which cancels the invocation still waiting for its ack.
            SilentHub.Close.TrySetResult();

            await Eventually.TrueAsync(() => log.ToString().Contains("retrying", StringComparison.Ordinal) || run.IsCompleted, "the publisher's reaction");
            Assert.False(run.IsCompleted, $"the publisher ended ({run.Status}): {log}");
            Assert.Contains("1 records buffered, retrying", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await app.DisposeAsync();
            root.Delete(recursive: true);
            await stop.CancelAsync();
            await run.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }
}
