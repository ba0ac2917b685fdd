using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;
using NeTracker.Web.Hubs;
using NeTracker.Web.Security;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// The real dashboard on https://127.0.0.1 with the certificate it generates at first start, and
/// the agent's real publisher: one that pins the printed fingerprint delivers; one with a wrong
/// fingerprint, and one that trusts only the system's CAs, never send their key (not a batch is acknowledged).
/// </summary>
public sealed class AgentTlsTests : IAsyncLifetime
{
    private readonly HttpsApp _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_agent_pinning_the_generated_certificate_delivers()
    {
        var fingerprint = _app.Fingerprint();
        var (publisher, buffer, log, stop, run) = Start(new() { HubUrls = [_app.Hub], ApiKey = NeTrackerAppFactory.ApiKey, Name = "tls-agent", TlsFingerprint = fingerprint });
        try
        {
            await Eventually.TrueAsync(() => buffer.Count == 0 && publisher.Acknowledged > 0, $"acknowledged over TLS; agent log:\n{log}");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
        Assert.Equal(3, _app.Services.GetRequiredService<ConnectionStore>().Query(ConnectionFilter.None).Count);
        Assert.DoesNotContain("refusing", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_trusting_a_ca_file_with_the_generated_certificate_delivers()
    {
        _ = _app.Fingerprint();
        var caFile = Path.Combine(_app.DataDirectory, TlsCertificate.PemFileName);
        var (publisher, buffer, log, stop, run) = Start(new() { HubUrls = [_app.Hub], ApiKey = NeTrackerAppFactory.ApiKey, Name = "tls-agent", CaFile = caFile });
        try
        {
            await Eventually.TrueAsync(() => buffer.Count == 0 && publisher.Acknowledged > 0, $"acknowledged over TLS; agent log:\n{log}");
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_agent_with_a_wrong_fingerprint_or_only_the_system_cas_never_connects(bool wrongPin)
    {
        var ct = TestContext.Current.CancellationToken;
        var right = _app.Fingerprint();
        var wrong = right[..^2] + (right.EndsWith("00", StringComparison.Ordinal) ? "11" : "00");
        var (publisher, buffer, log, stop, run) = Start(new()
        {
            HubUrls = [_app.Hub], ApiKey = NeTrackerAppFactory.ApiKey, Name = "tls-agent",
            TlsFingerprint = wrongPin ? wrong : null,
        });
        try
        {
            await Eventually.TrueAsync(() => log.ToString().Contains("retrying", StringComparison.Ordinal), $"a refused attempt; agent log:\n{log}");
            await Task.Delay(1000, ct); // time under test: a retry that got through would be acknowledged by now
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
        Assert.Equal(0, publisher.Acknowledged);
        Assert.Equal(3, buffer.Count);
        Assert.Empty(_app.Services.GetRequiredService<ConnectionStore>().Query(ConnectionFilter.None));
        if (wrongPin)
            Assert.Contains($"is not the pinned {wrong.Replace(":", "", StringComparison.Ordinal)}", log.ToString(), StringComparison.Ordinal);
        else
            Assert.Contains("SSL", log.ToString(), StringComparison.Ordinal);
    }

    private static (AgentPublisher, AgentBuffer, StringWriter, CancellationTokenSource, Task) Start(AgentOptions options)
    {
        var buffer = new AgentBuffer(100);
        for (var i = 0; i < 3; i++)
            buffer.Add(Records.Make(0, clientPort: 41_000 + i, host: options.Name, endUtc: DateTime.UtcNow));
        var log = new StringWriter();
        var publisher = new AgentPublisher(options with { MinBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromMilliseconds(500) },
            buffer, () => 0, TextWriter.Synchronized(log));
        var stop = new CancellationTokenSource();
        return (publisher, buffer, log, stop, publisher.RunAsync(stop.Token));
    }

    /// <summary>An https endpoint on loopback, no certificate configured: the dashboard makes its own.</summary>
    private sealed class HttpsApp : NeTrackerAppFactory
    {
        public HttpsApp() => UseKestrel();

        public Uri Hub
        {
            get
            {
                StartServer();
                var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                return new Uri(new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal))), ConnectionsHub.Path);
            }
        }

        public string Fingerprint()
        {
            Assert.StartsWith("https://127.0.0.1:", Hub.ToString(), StringComparison.Ordinal);
            return Services.GetRequiredService<TransportState>().GeneratedFingerprint ?? throw new InvalidOperationException("no generated certificate");
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0"); // appsettings.json's, off its fixed port
            builder.UseSetting("Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0");
        }
    }
}
